import assert from "node:assert/strict";
import {
  type LiveInstance,
  planOrphans,
  planStillRunning,
  planStuckJobs,
  planTerminations,
} from "./reap_plan.ts";

const MIN = 60_000;
const policy = {
  now: 1_000 * MIN,
  bootTimeoutMs: 10 * MIN,
  stuckLaunchMs: 15 * MIN,
  idleTimeoutMs: 10 * MIN,
};

function instance(overrides: Partial<LiveInstance>): LiveInstance {
  return {
    id: "i-1",
    launchedAt: policy.now - 5 * MIN,
    jobId: "1",
    jobState: "running",
    maxRuntimeMinutes: 60,
    ...overrides,
  };
}

Deno.test("reap plan: each rule, and what is spared", () => {
  const cases: [string, LiveInstance, string | null][] = [
    ["a running job's young instance is spared", instance({}), null],
    ["the job completed → terminate", instance({ jobState: "completed" }), "job-finished"],
    ["the job was cancelled → terminate", instance({ jobState: "cancelled" }), "job-finished"],
    [
      "past max runtime → terminate",
      instance({ launchedAt: policy.now - 61 * MIN }),
      "max-runtime",
    ],
    [
      "a pool's longer max runtime is honoured",
      instance({ launchedAt: policy.now - 61 * MIN, maxRuntimeMinutes: 120 }),
      null,
    ],
    [
      "starting past the boot timeout → terminate",
      instance({ jobState: "starting", launchedAt: policy.now - 11 * MIN }),
      "never-started",
    ],
    [
      "starting within the boot timeout is spared",
      instance({ jobState: "starting", launchedAt: policy.now - 9 * MIN }),
      null,
    ],
    [
      "a runner whose job ran elsewhere, idle past the idle timeout",
      instance({ idleSince: policy.now - 11 * MIN }),
      "idle",
    ],
    [
      "a runner whose job ran elsewhere, idle within the idle timeout, is spared",
      instance({ idleSince: policy.now - 9 * MIN }),
      null,
    ],
    [
      "launched for a job cancelled before it ran, runner idle past the idle timeout",
      instance({ jobState: "cancelled", idleSince: policy.now - 11 * MIN }),
      "idle",
    ],
    [
      "launched for a job cancelled before it ran, idle within the idle timeout, is spared",
      instance({ jobState: "cancelled", idleSince: policy.now - 9 * MIN }),
      null,
    ],
    [
      "launched for a job that ran elsewhere and completed: idle rule, not job-finished",
      instance({ jobState: "completed", idleSince: policy.now - 2 * MIN }),
      null,
    ],
    [
      "an idle runner without a job past max runtime",
      instance({ jobId: null, jobState: null, launchedAt: policy.now - 70 * MIN }),
      "max-runtime",
    ],
  ];
  for (const [name, live, reason] of cases) {
    const plan = planTerminations([live], policy);
    assert.deepEqual(plan.map((t) => t.reason), reason ? [reason] : [], name);
  }
});

Deno.test("a terminated-for-runtime instance carries its live job to reap", () => {
  const [termination] = planTerminations([instance({ launchedAt: policy.now - 90 * MIN })], policy);
  assert.equal(termination.jobId, "1");
  assert.match(termination.detail, /90 min, past the pool's 60 min/);
  const [finished] = planTerminations([instance({ jobState: "completed" })], policy);
  assert.equal(finished.jobId, null, "a finished job is not touched");
});

Deno.test("orphans: tagged instances unknown to the database, after a grace period", () => {
  const managed = [
    { id: "i-known", launchedAt: 0 },
    { id: "i-orphan", launchedAt: policy.now - 30 * MIN },
    { id: "i-just-launched", launchedAt: policy.now - MIN },
  ];
  const plan = planOrphans(managed, new Set(["i-known"]), policy);
  assert.deepEqual(plan.map((t) => [t.instanceId, t.reason]), [["i-orphan", "orphan"]]);
  const short = planOrphans(managed, new Set(["i-known"]), { ...policy, orphanGraceMs: 30_000 });
  assert.equal(short.length, 2, "a shorter grace catches the young orphan too");
});

Deno.test("jobs stuck in claimed or launching past the TTL fail", () => {
  const stuck = planStuckJobs([
    { id: "a", state: "launching", updatedAt: policy.now - 20 * MIN },
    { id: "b", state: "claimed", updatedAt: policy.now - 16 * MIN },
    { id: "c", state: "launching", updatedAt: policy.now - 5 * MIN },
    { id: "d", state: "running", updatedAt: policy.now - 500 * MIN },
    { id: "e", state: "starting", updatedAt: policy.now - 26 * MIN },
    { id: "f", state: "starting", updatedAt: policy.now - 20 * MIN },
  ], policy);
  assert.deepEqual(stuck.map((s) => s.jobId), ["a", "b", "e"]);
  assert.match(stuck[2].detail, /stuck in starting for over 25 min/);
});

Deno.test("with no idle timeout, a runner whose job ended without it waits a boot timeout", () => {
  const { idleTimeoutMs: _, ...noIdle } = policy;
  const over = instance({ jobState: "cancelled", idleSince: policy.now - 11 * MIN });
  const [reaped] = planTerminations([over], noIdle);
  assert.equal(reaped?.reason, "idle");
  assert.match(reaped.detail, /job 1 ended \(cancelled\) without running here/);
  assert.equal(reaped.jobId, null);
  const young = instance({ jobState: "cancelled", idleSince: policy.now - 9 * MIN });
  assert.deepEqual(planTerminations([young], noIdle), []);
  const stolen = instance({ idleSince: policy.now - 11 * MIN });
  assert.deepEqual(planTerminations([stolen], noIdle), [], "a stolen job's runner: never");
});

Deno.test("instances the books closed but EC2 still lists running are terminated past the grace", () => {
  const managed = ["i-live", "i-just-closed", "i-closed-long-ago"].map((id) => ({
    id,
    launchedAt: policy.now - 30 * MIN,
  }));
  const closedAt = new Map([
    ["i-just-closed", policy.now - 2 * MIN],
    ["i-closed-long-ago", policy.now - 2 * MIN - 1],
  ]);
  const plan = planStillRunning(managed, closedAt, policy);
  assert.deepEqual(plan.map((t) => [t.instanceId, t.reason, t.jobId]), [
    ["i-closed-long-ago", "orphan", null],
  ]);
  assert.equal(plan[0].detail, "terminated in the books but EC2 still lists it running");
  const longer = planStillRunning(managed, closedAt, { ...policy, stillRunningGraceMs: 10 * MIN });
  assert.deepEqual(longer, []);
});
