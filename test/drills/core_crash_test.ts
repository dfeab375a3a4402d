/**
 * Fault drill (issue 6): kill -9 the core during a burst of 100 queued jobs,
 * restart it, and check by outcome: every job reaches `starting` in libSQL
 * (0 lost) and the EC2 emulator holds exactly one instance per `gantry:job`
 * tag (0 launched twice), whatever the shape of the launch calls.
 */
import assert from "node:assert/strict";
import {
  assertChains,
  assertExactlyOnce,
  eventually,
  jobStates,
  managedInstances,
  startDrillStack,
  transitions,
} from "./drill_stack.ts";

const JOBS = 100;

Deno.test("kill -9 drill: the core dies mid-burst of 100 jobs; the restart loses none, launches none twice", async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    const first = await stack.startCore("core-a");
    const ids = Array.from({ length: JOBS }, (_, i) => 7_100_000 + i);
    await Promise.all(ids.map((id) => stack.post("queued", id)));
    await eventually(
      () => managedInstances(stack.ec2).length >= 10,
      () => `fewer than 10 launched before the kill:\n${first.output().slice(-3000)}`,
    );
    first.kill("SIGKILL");
    const killed = await first.status;
    const launchedBeforeKill = managedInstances(stack.ec2).length;
    console.log(
      `killed (signal ${killed.signal}) with ${launchedBeforeKill}/${JOBS} jobs launched`,
    );

    const second = await stack.startCore("core-a");
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
        }\n${second.output().slice(-3000)}`;
      },
      120_000,
    );
    const { launched, terminated: surplus } = await assertExactlyOnce(stack.ec2, stack.db, jobIds);
    console.log(`${JOBS} jobs: ${launched} instances launched, ${surplus} surplus terminated`);
    assert.equal(launched, JOBS, "no instance launched beyond one per job");
    assertChains(await transitions(stack.db), jobIds);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
