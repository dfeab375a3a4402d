/**
 * Caps hold across cores: each claim re-counts the slots in the same write,
 * so two launchers that planned from the same counts cannot both fill the
 * last slots (on the libSQL server).
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { capGuardOf, LaunchQueries } from "../../core/db/launch_queries.ts";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { type CoreFixture, queuedJobRow, REPO, startCoreFixture } from "./fixture.ts";

async function holding(stack: CoreFixture): Promise<number> {
  const result = await stack.store.client.execute(
    "SELECT count(*) AS n FROM jobs WHERE state IN ('claimed', 'launching', 'starting', 'running')",
  );
  return Number(result.rows[0].n);
}

Deno.test("claims past a cap do not move, whoever planned them", async () => {
  const stack = await startCoreFixture();
  try {
    const [pool] = await stack.db.select().from(pools);
    const [project] = await stack.db.select().from(projects);
    for (let id = 1; id <= 6; id++) await stack.store.insertJob(queuedJobRow(id), 1_000);
    const launches = new LaunchQueries(stack.store);
    const claim = (
      ids: number[],
      caps: { projectCap?: number; repoCap?: number; poolCap?: number },
    ) =>
      launches.transitionMany(
        ids.map((id) => ({
          id: String(id),
          from: "queued",
          to: "claimed",
          patch: { projectId: project.id, poolId: pool.id },
          guard: capGuardOf({
            projectId: project.id,
            repo: REPO,
            poolId: pool.id,
            projectCap: caps.projectCap ?? 0,
            repoCap: caps.repoCap,
            poolCap: caps.poolCap ?? 0,
          }),
        })),
        2_000,
      );
    // One core's batch asks for four under a pool cap of 3: the fourth waits.
    assert.deepEqual([...await claim([1, 2, 3, 4], { poolCap: 3 })].sort(), ["1", "2", "3"]);
    // Another core planned from the old counts: nothing left for it.
    assert.deepEqual([...await claim([4, 5], { poolCap: 3 })], []);
    // The project cap counts the same slots; a repo's own cap replaces it.
    assert.deepEqual([...await claim([4], { projectCap: 3 })], []);
    assert.deepEqual([...await claim([4], { projectCap: 4 })], ["4"]);
    await stack.db.update(repos).set({ cap: 5 }).where(eq(repos.fullName, REPO));
    assert.deepEqual([...await claim([5, 6], { projectCap: 1, repoCap: 5 })], ["5"]);
    assert.equal(await holding(stack), 5);
    const waiting = await stack.store.job("6");
    assert.equal(waiting?.state, "queued", "a refused claim leaves the job queued, in order");
  } finally {
    await stack.close();
  }
});
