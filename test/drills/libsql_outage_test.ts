/**
 * Fault drill (issue 6): libSQL unreachable for 30 s during work.
 *
 * libSQL is stopped (connections refused) while jobs are queued, started and
 * completed. The core must keep launching and reaping on its local buffer,
 * then replay every write when libSQL returns: 0 jobs lost, 0 instances
 * launched twice, every transition in libSQL, in order.
 *
 * The outage lasts GANTRY_DRILL_OUTAGE_MS (default 3 s, so CI stays quick);
 * the issue's drill is 30 s: `GANTRY_DRILL_OUTAGE_MS=30000 deno test -A
 * test/drills/libsql_outage_test.ts`.
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

const OUTAGE_MS = Number(Deno.env.get("GANTRY_DRILL_OUTAGE_MS") ?? 3_000);
const BEFORE = Array.from({ length: 20 }, (_, i) => 7_300_000 + i);
const DURING = Array.from({ length: 20 }, (_, i) => 7_300_100 + i);
/** Jobs launched before the outage that run and finish during it. */
const FINISHING = BEFORE.slice(0, 10);

Deno.test(`libSQL outage drill (30 s in the issue; ${OUTAGE_MS} ms here): the core keeps launching and reaping, then replays everything in order`, async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    const core = await stack.startCore("core-a");
    // The core's local buffer (its mirror), read while the core runs.
    const buffer = await stack.openBuffer("core-a");
    const allStarting = (ids: number[]) => async () => {
      const states = await jobStates(stack.db);
      return ids.every((id) => states.get(String(id)) === "starting");
    };
    await Promise.all(BEFORE.map((id) => stack.post("queued", id)));
    await eventually(allStarting(BEFORE), () => core.output().slice(-3000));
    const runnerNames = new Map(
      (await stack.db.execute("SELECT id, runner_name, instance_id FROM jobs")).rows.map((
        r,
      ) => [Number(r.id), { runner: String(r.runner_name), instance: String(r.instance_id) }]),
    );

    const outageStart = Date.now();
    const outageOutputFrom = core.output().length;
    await stack.stopLibsql();
    // The core's output once libSQL's process has exited. While it shuts down gracefully it can
    // still answer on an open connection: the core may buffer, replay and buffer again in that
    // time, which is not a replay during the outage.
    const downOutputFrom = core.output().length;
    const downOutput = () => core.output().slice(downOutputFrom);
    await Promise.all(DURING.map((id) => stack.post("queued", id)));
    for (const id of FINISHING) {
      await stack.post("in_progress", id, runnerNames.get(id)!.runner);
      await stack.post("completed", id, runnerNames.get(id)!.runner);
    }
    // Still offline: new jobs got machines and started (in the core's buffer), finished ones
    // lost theirs.
    const finishedInstances = new Set(FINISHING.map((id) => runnerNames.get(id)!.instance));
    await eventually(
      async () => {
        const buffered = await jobStates(buffer);
        const managed = managedInstances(stack.ec2);
        const reaped = managed.filter((i) =>
          finishedInstances.has(i.instanceId) && i.state !== "pending" && i.state !== "running"
        );
        return DURING.every((id) => buffered.get(String(id)) === "starting") &&
          FINISHING.every((id) => buffered.get(String(id)) === "completed") &&
          reaped.length === FINISHING.length;
      },
      async () => {
        const buffered = await jobStates(buffer);
        return `launching and reaping did not go on offline: ${
          [...DURING, ...FINISHING].map((id) => `${id}=${buffered.get(String(id))}`).join(" ")
        }\n${core.output().slice(-4000)}`;
      },
      Math.max(60_000, OUTAGE_MS),
    );
    console.log(`offline work done ${Date.now() - outageStart} ms into the outage`);
    assert.match(
      core.output().slice(outageOutputFrom),
      /libSQL unreachable; buffering writes locally/,
    );
    const remaining = OUTAGE_MS - (Date.now() - outageStart);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    const outageMs = Date.now() - outageStart;
    assert.ok(
      !/buffered writes replayed/.test(downOutput()),
      "nothing was replayed while libSQL was down",
    );

    await stack.restartLibsql();
    await eventually(
      () => /buffered writes replayed/.test(downOutput()),
      () => `no replay after libSQL returned\n${downOutput().slice(-3000)}`,
      60_000,
    );
    const replayed = JSON.parse(
      downOutput().split("\n").find((l) => l.includes("buffered writes replayed"))!,
    );
    console.log(`outage ${outageMs} ms; ${replayed.writes} buffered writes replayed`);

    const states = await jobStates(stack.db);
    const ids = [...BEFORE, ...DURING].map(String);
    const lost = ids.filter((id) => !states.has(id));
    assert.deepEqual(lost, [], "jobs missing from libSQL after the outage");
    for (const id of FINISHING) assert.equal(states.get(String(id)), "completed", `job ${id}`);
    const live = ids.filter((id) => !FINISHING.map(String).includes(id));
    for (const id of live) assert.equal(states.get(id), "starting", `job ${id}`);
    const { launched, terminated: ended } = await assertExactlyOnce(stack.ec2, stack.db, live);
    assert.equal(launched, ids.length, "one instance per job, none extra");
    assert.equal(ended, FINISHING.length, "only the finished jobs' instances ended");
    const byJob = await transitions(stack.db);
    assertChains(byJob, ids);
    for (const id of FINISHING) {
      assert.deepEqual(byJob.get(String(id))!.slice(-2), ["starting>running", "running>completed"]);
    }
    const terminated = await stack.db.execute(
      `SELECT count(*) AS n FROM instances WHERE terminated_at IS NOT NULL AND id IN (${
        [...finishedInstances].map(() => "?").join(", ")
      })`,
      [...finishedInstances],
    );
    assert.equal(Number(terminated.rows[0].n), FINISHING.length, "terminations recorded");
    console.log(
      `${ids.length} jobs: ${launched} instances launched, ${ended} reaped`,
    );
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
