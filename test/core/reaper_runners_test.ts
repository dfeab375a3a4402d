/**
 * The reaper removes the runners of what it terminates from GitHub (so GitHub
 * fails their jobs at once and keeps no offline ghosts), audits each removal,
 * and fails jobs stuck in starting once their instance is gone.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { auditEvents, instances } from "../../shared/db/schema.ts";
import { type CoreFixture, LABELS, messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

const MIN = 60_000;

async function launch(stack: CoreFixture, id: number) {
  await stack.events.handle(
    messageOf(
      "queued",
      jobFactsOf(stack.github.jobs.get(id), { repoFullName: REPO, installationId: 1001 }),
    ),
  );
  return await waitFor(`job ${id} to launch`, async () => {
    const row = await stack.store.job(String(id));
    return row?.state === "starting" ? row : undefined;
  });
}

const reap = (stack: CoreFixture, at: number) =>
  reapOnce({
    store: stack.store,
    provider: stack.provider,
    log: stack.log,
    now: () => at,
    bootTimeoutSeconds: 600,
    maxRuntimeMinutes: 60,
    github: stack.app,
  });

Deno.test("a reaped instance's runner is deleted from GitHub; a busy one is refused and audited", async () => {
  const stack = await startCoreFixture();
  try {
    const idle = await launch(
      stack,
      stack.github.addJob({ repo: REPO, labels: LABELS, name: "a" }).id,
    );
    const busy = await launch(
      stack,
      stack.github.addJob({ repo: REPO, labels: LABELS, name: "b" }).id,
    );
    const runnerOf = (name: string | null) =>
      stack.github.runners().find((r) => r.runner.name === name);
    stack.github.updateRunner(runnerOf(busy.runnerName)!.runner.id, {
      status: "online",
      busy: true,
    });

    const reaped = await reap(stack, Date.now() + 11 * MIN);
    assert.deepEqual(reaped.map((t) => t.reason).sort(), ["never-started", "never-started"]);
    assert.equal(runnerOf(idle.runnerName), undefined, "the idle runner is gone from GitHub");
    assert.ok(runnerOf(busy.runnerName), "GitHub refuses to delete a busy runner");
    const deletions = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "runner.delete"),
    );
    const byRunner = Object.fromEntries(deletions.map((a) => [a.target, a.outcome]));
    assert.deepEqual(byRunner, { [idle.runnerName!]: "ok", [busy.runnerName!]: "failed" });
    const terminations = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "machine.terminate"),
    );
    assert.equal(terminations.length, 2, "each termination audited with its reason");
  } finally {
    await stack.close();
  }
});

Deno.test("a job still starting after its instance is gone fails with a reason", async () => {
  const stack = await startCoreFixture();
  try {
    const job = await launch(stack, stack.github.addJob({ repo: REPO, labels: LABELS }).id);
    // Its instance was recorded terminated (say, by another core) without the job moving on.
    await stack.db.update(instances).set({ terminatedAt: Date.now(), state: "terminated" })
      .where(eq(instances.id, job.instanceId!));
    await reap(stack, Date.now() + 20 * MIN);
    assert.equal((await stack.store.job(job.id))?.state, "starting", "within boot timeout + TTL");
    await reap(stack, Date.now() + 26 * MIN);
    const failed = await stack.store.job(job.id);
    assert.equal(failed?.state, "failed");
    assert.match(failed?.failureReason ?? "", /stuck in starting/);
  } finally {
    await stack.close();
  }
});
