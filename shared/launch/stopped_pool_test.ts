import assert from "node:assert/strict";
import { parseClientToken } from "./batch.ts";
import { warmClientTokenOf } from "./warm_pool.ts";
import {
  isStoppedToken,
  planStart,
  planStoppedPool,
  type StandbyInstance,
  stoppedClientTokenOf,
  type StoppedPlan,
  type StoppedTarget,
} from "./stopped_pool.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy = { now: 100 * HOUR, prepareTimeoutMs: 10 * MIN, maxAgeMs: 24 * HOUR };
const target = (over: Partial<StoppedTarget> = {}): StoppedTarget => ({
  poolId: "small",
  min: 2,
  max: 3,
  ...over,
});
const standby = (id: string, over: Partial<StandbyInstance> = {}): StandbyInstance => ({
  instanceId: id,
  poolId: "small",
  state: "stopped",
  launchedAt: policy.now - HOUR,
  ...over,
});

const cases: {
  name: string;
  targets: StoppedTarget[];
  instances: StandbyInstance[];
  plan: StoppedPlan;
}[] = [
  {
    name: "an empty pool launches its min",
    targets: [target()],
    instances: [],
    plan: { launch: [{ poolId: "small", count: 2 }], retire: [] },
  },
  {
    name: "preparing instances count toward the pool",
    targets: [target()],
    instances: [standby("a", { state: "preparing", launchedAt: policy.now - MIN })],
    plan: { launch: [{ poolId: "small", count: 1 }], retire: [] },
  },
  {
    name: "a full pool launches nothing",
    targets: [target()],
    instances: [standby("a"), standby("b")],
    plan: { launch: [], retire: [] },
  },
  {
    name: "between min and max: nothing to do",
    targets: [target()],
    instances: [standby("a"), standby("b"), standby("c")],
    plan: { launch: [], retire: [] },
  },
  {
    name: "over max: the oldest are retired",
    targets: [target({ min: 1, max: 1 })],
    instances: [
      standby("young", { launchedAt: policy.now - MIN }),
      standby("old", { launchedAt: policy.now - 2 * HOUR }),
    ],
    plan: { launch: [], retire: [{ instanceId: "old", reason: "over-max" }] },
  },
  {
    name: "a max under the min caps what is launched",
    targets: [target({ min: 4, max: 2 })],
    instances: [],
    plan: { launch: [{ poolId: "small", count: 2 }], retire: [] },
  },
  {
    name: "a first boot that never stopped is retired and replaced",
    targets: [target({ min: 1 })],
    instances: [standby("slow", { state: "preparing", launchedAt: policy.now - 11 * MIN })],
    plan: {
      launch: [{ poolId: "small", count: 1 }],
      retire: [{ instanceId: "slow", reason: "prepare-timeout" }],
    },
  },
  {
    name: "a first boot just inside the timeout is kept",
    targets: [target({ min: 1 })],
    instances: [standby("ok", { state: "preparing", launchedAt: policy.now - 10 * MIN })],
    plan: { launch: [], retire: [] },
  },
  {
    name: "a stopped instance past the max age is replaced",
    targets: [target({ min: 1 })],
    instances: [standby("stale", { launchedAt: policy.now - 24 * HOUR - 1 })],
    plan: {
      launch: [{ poolId: "small", count: 1 }],
      retire: [{ instanceId: "stale", reason: "max-age" }],
    },
  },
  {
    name: "a stopped instance exactly at the max age is kept",
    targets: [target({ min: 1 })],
    instances: [standby("due", { launchedAt: policy.now - 24 * HOUR })],
    plan: { launch: [], retire: [] },
  },
  {
    name: "a pool no longer a target retires what it holds",
    targets: [],
    instances: [standby("a"), standby("b", { state: "preparing", launchedAt: policy.now })],
    plan: {
      launch: [],
      retire: [{ instanceId: "a", reason: "pool-off" }, { instanceId: "b", reason: "pool-off" }],
    },
  },
  {
    name: "pools are planned apart",
    targets: [target(), target({ poolId: "large", min: 1, max: 1 })],
    instances: [standby("a"), standby("b", { poolId: "large" })],
    plan: { launch: [{ poolId: "small", count: 1 }], retire: [] },
  },
];

for (const c of cases) {
  Deno.test(`planStoppedPool: ${c.name}`, () => {
    assert.deepEqual(planStoppedPool(c.targets, c.instances, policy), c.plan);
  });
}

Deno.test("planStart: resize only when the size differs and the provider can", () => {
  assert.deepEqual(planStart({ size: "m5.large", wanted: "m5.large", canResize: true }), {
    resizeTo: null,
  });
  assert.deepEqual(planStart({ size: "m5.large", wanted: "m5.xlarge", canResize: true }), {
    resizeTo: "m5.xlarge",
  });
  assert.deepEqual(planStart({ size: "m5.large", wanted: "m5.xlarge", canResize: false }), {
    resizeTo: null,
  });
  assert.deepEqual(planStart({ size: null, wanted: "m5.xlarge", canResize: true }), {
    resizeTo: "m5.xlarge",
  });
});

Deno.test("stopped client tokens: stable in a slot, told apart from batch and hot warm tokens", () => {
  const token = stoppedClientTokenOf({ poolId: "pool-1", seq: 3, issuedAt: 1_700_000_000_000 });
  assert.equal(
    token,
    stoppedClientTokenOf({ poolId: "pool-1", seq: 3, issuedAt: 1_700_000_000_000 }),
  );
  assert.notEqual(
    token,
    stoppedClientTokenOf({ poolId: "pool-1", seq: 4, issuedAt: 1_700_000_000_000 }),
  );
  assert.notEqual(
    token,
    stoppedClientTokenOf({ poolId: "pool-2", seq: 3, issuedAt: 1_700_000_000_000 }),
  );
  assert.match(token, /^s[0-9a-z]+-[0-9a-f]{8}-3$/);
  assert.equal(parseClientToken(token), null);
  assert.equal(isStoppedToken(token), true);
  assert.equal(
    isStoppedToken(warmClientTokenOf({ poolId: "p", repo: "o/r", seq: 0, issuedAt: 1 })),
    false,
  );
  assert.equal(isStoppedToken(null), false);
});

Deno.test("a stopped client token of 64 characters is issued; one of 65 is refused", () => {
  // Only absurd inputs reach the bound: a slot 32 base-36 digits long and a 21-digit sequence.
  const token = stoppedClientTokenOf({ poolId: "pool-1", seq: 10 ** 20, issuedAt: 36 ** 31 });
  assert.equal(token, `s1${"0".repeat(31)}-182fbcc1-1${"0".repeat(20)}`);
  assert.equal(token.length, 64);
  const tooLong = `s1${"0".repeat(32)}-182fbcc1-1${"0".repeat(20)}`;
  assert.throws(
    () => stoppedClientTokenOf({ poolId: "pool-1", seq: 10 ** 20, issuedAt: 36 ** 32 }),
    { name: "RangeError", message: `client token too long (65): ${tooLong}` },
  );
});
