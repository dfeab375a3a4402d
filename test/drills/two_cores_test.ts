/**
 * Fault drill (issue 6): two core processes lease from the same edge during a
 * burst of 100 queued jobs. Leases are short, so events are redelivered to the
 * other core while one still works on them. By outcome: every job reaches
 * `starting` (0 lost), exactly one instance was ever launched per job, and
 * none was launched and terminated as surplus.
 */
import assert from "node:assert/strict";
import {
  assertChains,
  assertExactlyOnce,
  eventually,
  jobStates,
  startDrillStack,
  transitions,
} from "./drill_stack.ts";

const JOBS = 100;

Deno.test("two cores drill: 100 jobs, two cores at once; none lost, none launched twice", async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    const cores = await Promise.all([stack.startCore("core-a"), stack.startCore("core-b")]);
    const ids = Array.from({ length: JOBS }, (_, i) => 7_200_000 + i);
    await Promise.all(ids.map((id) => stack.post("queued", id)));
    const jobIds = ids.map(String);
    await eventually(
      async () => {
        const states = await jobStates(stack.db);
        return jobIds.every((id) => states.get(id) === "starting");
      },
      async () => {
        const states = await jobStates(stack.db);
        const behind = jobIds.filter((id) => states.get(id) !== "starting");
        return `${behind.length} job(s) not starting: ${
          behind.slice(0, 10).map((id) => `${id}=${states.get(id)}`)
        }\n${cores.map((c) => c.output().slice(-2000)).join("\n---\n")}`;
      },
      120_000,
    );
    const { launched, terminated: surplus } = await assertExactlyOnce(stack.ec2, stack.db, jobIds);
    console.log(`${JOBS} jobs: ${launched} instances launched, ${surplus} surplus terminated`);
    // Each core launches only the jobs it claimed: nothing is launched twice, even briefly.
    assert.equal(launched, JOBS, "one instance launched per job");
    assert.equal(surplus, 0, "no instance launched and then terminated as surplus");
    assertChains(await transitions(stack.db), jobIds);
    // Lines about a job carry its correlation id: both cores must have worked on jobs.
    const jobLines = cores.map((core) =>
      (core.output().match(/"correlationId":"job-72/g) ?? []).length
    );
    console.log(`log lines about jobs per core: ${jobLines.join(" / ")}`);
    assert.ok(jobLines.every((n) => n > 0), `both cores took part: ${jobLines}`);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
