/**
 * Every limit of the reap plan, exactly at the limit, one millisecond under
 * and one over: a limit is "past" only strictly after it (`>`), so a machine
 * or job exactly at its limit is spared. Details are pinned as literals.
 */
import assert from "node:assert/strict";
import {
  isEnded,
  type LiveInstance,
  planOrphans,
  planStuckJobs,
  planTerminations,
  type ReapPolicy,
} from "./reap_plan.ts";

const MIN = 60_000;
const NOW = 10_000 * MIN;
const POLICY: ReapPolicy = {
  now: NOW,
  bootTimeoutMs: 10 * MIN,
  stuckLaunchMs: 15 * MIN,
};

function instance(overrides: Partial<LiveInstance>): LiveInstance {
  return {
    id: "i-1",
    launchedAt: NOW - 5 * MIN,
    jobId: "7",
    jobState: "running",
    maxRuntimeMinutes: 60,
    ...overrides,
  };
}

/** The one termination planned for `live`, as [reason, detail, jobId], or null. */
function planOne(live: LiveInstance, policy: ReapPolicy = POLICY) {
  const planned = planTerminations([live], policy);
  assert.ok(planned.length <= 1);
  return planned[0] ? [planned[0].reason, planned[0].detail, planned[0].jobId] : null;
}

Deno.test("max runtime: at the limit is spared, 1 ms over is reaped", () => {
  const at = (ageMs: number) => planOne(instance({ launchedAt: NOW - ageMs }));
  assert.equal(at(60 * MIN - 1), null, "one under");
  assert.equal(at(60 * MIN), null, "exactly at the limit");
  assert.deepEqual(at(60 * MIN + 1), [
    "max-runtime",
    "running 60 min, past the pool's 60 min",
    "7",
  ]);
  assert.deepEqual(at(61 * MIN), ["max-runtime", "running 61 min, past the pool's 60 min", "7"]);
});

Deno.test("max runtime: the pool's minutes, not a default, set the limit", () => {
  const live = (maxRuntimeMinutes: number) =>
    planOne(instance({ launchedAt: NOW - 90 * MIN, maxRuntimeMinutes }));
  assert.equal(live(90), null);
  assert.deepEqual(live(89), ["max-runtime", "running 90 min, past the pool's 89 min", "7"]);
  assert.equal(live(91), null);
});

Deno.test("boot timeout: starting or launching exactly at it is spared, 1 ms over is reaped", () => {
  for (const jobState of ["starting", "launching"] as const) {
    const at = (ageMs: number) => planOne(instance({ jobState, launchedAt: NOW - ageMs }));
    assert.equal(at(10 * MIN - 1), null, `${jobState} one under`);
    assert.equal(at(10 * MIN), null, `${jobState} at the limit`);
    assert.deepEqual(at(10 * MIN + 1), [
      "never-started",
      "runner did not start within 600 s",
      "7",
    ], `${jobState} one over`);
  }
  assert.equal(
    planOne(instance({ jobState: "running", launchedAt: NOW - 10 * MIN - 1 })),
    null,
    "a running job has started",
  );
  assert.equal(
    planOne(instance({ jobState: null, jobId: null, launchedAt: NOW - 10 * MIN - 1 })),
    null,
    "a warm runner without a job is not waiting to start",
  );
});

Deno.test("idle: exactly the idle timeout is spared, 1 ms over is reaped", () => {
  const policy = { ...POLICY, idleTimeoutMs: 20 * MIN };
  const at = (idleMs: number) => planOne(instance({ idleSince: NOW - idleMs }), policy);
  assert.equal(at(20 * MIN - 1), null);
  assert.equal(at(20 * MIN), null);
  assert.deepEqual(at(20 * MIN + 1), [
    "idle",
    "idle for over 20 min: job 7 ran on another runner",
    null,
  ]);
  assert.equal(planOne(instance({ idleSince: NOW - 999 * MIN })), null, "no idle timeout: never");
  assert.equal(planOne(instance({ idleSince: null }), policy), null, "busy");
});

Deno.test("idle: a job over without running here waits one boot timeout by default", () => {
  const at = (idleMs: number) =>
    planOne(instance({ jobState: "cancelled", idleSince: NOW - idleMs }));
  assert.equal(at(10 * MIN), null);
  assert.deepEqual(at(10 * MIN + 1), [
    "idle",
    "idle for over 10 min: job 7 ended (cancelled) without running here",
    null,
  ]);
  assert.deepEqual(planOne(instance({ jobState: "completed", idleSince: null })), [
    "job-finished",
    "job 7 is completed",
    null,
  ]);
});

Deno.test("orphans: spared up to the grace, reaped 1 ms after; known ones never", () => {
  const managed = (ageMs: number) => [{ id: "i-9", launchedAt: NOW - ageMs }];
  const none = new Set<string>();
  const ids = (ageMs: number, graceMs?: number, known = none) =>
    planOrphans(managed(ageMs), known, { ...POLICY, orphanGraceMs: graceMs })
      .map((t) => [t.instanceId, t.reason, t.detail, t.jobId]);
  const reaped = [["i-9", "orphan", "tagged gantry:managed but unknown to the database", null]];
  assert.deepEqual(ids(5 * MIN), [], "default grace 5 min, at the limit");
  assert.deepEqual(ids(5 * MIN - 1), []);
  assert.deepEqual(ids(5 * MIN + 1), reaped);
  assert.deepEqual(ids(2 * MIN, 2 * MIN), []);
  assert.deepEqual(ids(2 * MIN + 1, 2 * MIN), reaped);
  assert.deepEqual(ids(60 * MIN, 2 * MIN, new Set(["i-9"])), []);
});

Deno.test("stuck jobs: claimed and launching at the TTL are spared, 1 ms over are failed", () => {
  const stuck = (state: "claimed" | "launching" | "starting" | "running", ageMs: number) =>
    planStuckJobs([{ id: "j", state, updatedAt: NOW - ageMs }], POLICY)
      .map((j) => [j.jobId, j.from, j.detail]);
  for (const state of ["claimed", "launching"] as const) {
    assert.deepEqual(stuck(state, 15 * MIN - 1), []);
    assert.deepEqual(stuck(state, 15 * MIN), []);
    assert.deepEqual(stuck(state, 15 * MIN + 1), [[
      "j",
      state,
      `stuck in ${state} for over 15 min`,
    ]]);
  }
  // starting: the boot timeout plus the launch TTL.
  assert.deepEqual(stuck("starting", 25 * MIN), []);
  assert.deepEqual(stuck("starting", 25 * MIN + 1), [[
    "j",
    "starting",
    "stuck in starting for over 25 min",
  ]]);
  assert.deepEqual(stuck("running", 999 * MIN), [], "a running job is never stuck");
});

Deno.test("machine states: which are ended", () => {
  const ended = ["shutting-down", "terminated", "stopping", "stopped", "gone"];
  for (const state of [...ended, "pending", "running"]) {
    assert.equal(
      isEnded({ id: "i", state, stateReason: null, isSpotReclaimed: false }),
      ended.includes(state),
      state,
    );
  }
});
