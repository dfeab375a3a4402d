import assert from "node:assert/strict";
import { parseClientToken } from "./batch.ts";
import {
  planWarmPool,
  warmClientTokenOf,
  warmKeyOf,
  type WarmRunner,
  warmSlotOf,
  type WarmTarget,
} from "./warm_pool.ts";

const MIN = 60_000;
const policy = { now: 100 * MIN, idleTimeoutMs: 10 * MIN };
const target = (over: Partial<WarmTarget> = {}): WarmTarget => ({
  poolId: "small",
  repo: "o/r",
  minIdle: 2,
  ...over,
});
const runner = (id: string, over: Partial<WarmRunner> = {}): WarmRunner => ({
  instanceId: id,
  poolId: "small",
  repo: "o/r",
  launchedAt: policy.now - MIN,
  isUsed: false,
  ...over,
});

const cases: {
  name: string;
  targets: WarmTarget[];
  runners: WarmRunner[];
  inFlight?: Map<string, number>;
  launch: { poolId: string; repo: string; count: number }[];
  expired?: string[];
  surplus?: string[];
}[] = [
  {
    name: "an empty pool launches min_idle",
    targets: [target()],
    runners: [],
    launch: [{ poolId: "small", repo: "o/r", count: 2 }],
  },
  {
    name: "a full pool launches nothing",
    targets: [target()],
    runners: [runner("a"), runner("b")],
    launch: [],
  },
  {
    name: "more idle than min_idle launches nothing (and terminates nothing)",
    targets: [target({ minIdle: 1 })],
    runners: [runner("a"), runner("b")],
    launch: [],
  },
  {
    name: "a runner that took a job no longer counts",
    targets: [target()],
    runners: [runner("a"), runner("b", { isUsed: true })],
    launch: [{ poolId: "small", repo: "o/r", count: 1 }],
  },
  {
    name: "an idle runner past the idle timeout is expired and replaced",
    targets: [target()],
    runners: [runner("a"), runner("old", { launchedAt: policy.now - 11 * MIN })],
    launch: [{ poolId: "small", repo: "o/r", count: 1 }],
    expired: ["old"],
  },
  {
    name: "a used runner is never expired, however old",
    targets: [target({ minIdle: 0 })],
    runners: [runner("busy", { launchedAt: 0, isUsed: true })],
    launch: [],
  },
  {
    name: "exactly at the idle timeout still counts",
    targets: [target({ minIdle: 1 })],
    runners: [runner("a", { launchedAt: policy.now - 10 * MIN })],
    launch: [],
  },
  {
    name: "launches in flight count",
    targets: [target({ minIdle: 3 })],
    runners: [runner("a")],
    inFlight: new Map([[warmKeyOf("small", "o/r"), 1]]),
    launch: [{ poolId: "small", repo: "o/r", count: 1 }],
  },
  {
    name: "each (pool, repo) is counted apart",
    targets: [target(), target({ repo: "o/s" }), target({ poolId: "big", minIdle: 1 })],
    runners: [runner("a"), runner("b", { repo: "o/s" }), runner("c", { poolId: "other" })],
    launch: [
      { poolId: "small", repo: "o/r", count: 1 },
      { poolId: "small", repo: "o/s", count: 1 },
      { poolId: "big", repo: "o/r", count: 1 },
    ],
  },
  {
    name: "min_idle 0 launches nothing; its old idle runners still expire",
    targets: [target({ minIdle: 0 })],
    runners: [runner("old", { launchedAt: 0 })],
    launch: [],
    expired: ["old"],
  },
  {
    name: "idle runners over max_idle are surplus, the oldest first",
    targets: [target({ minIdle: 1, maxIdle: 1 })],
    runners: [
      runner("young", { launchedAt: policy.now - MIN }),
      runner("old", { launchedAt: policy.now - 3 * MIN }),
      runner("middle", { launchedAt: policy.now - 2 * MIN }),
    ],
    launch: [],
    surplus: ["old", "middle"],
  },
  {
    name: "exactly max_idle idle runners: none surplus",
    targets: [target({ minIdle: 0, maxIdle: 2 })],
    runners: [runner("a"), runner("b"), runner("used", { isUsed: true })],
    launch: [],
  },
  {
    name: "one under max_idle: none surplus",
    targets: [target({ minIdle: 0, maxIdle: 4 })],
    runners: [runner("a"), runner("b"), runner("c")],
    launch: [],
  },
  {
    name: "off hours to 0: every idle runner is surplus, a used one and an expired one are not",
    targets: [target({ minIdle: 0, maxIdle: 0 })],
    runners: [
      runner("a"),
      runner("used", { isUsed: true }),
      runner("old", { launchedAt: 0 }),
    ],
    launch: [],
    expired: ["old"],
    surplus: ["a"],
  },
];

for (const c of cases) {
  Deno.test(`warm pool: ${c.name}`, () => {
    assert.deepEqual(planWarmPool(c.targets, c.runners, policy, c.inFlight), {
      launch: c.launch,
      expired: c.expired ?? [],
      surplus: c.surplus ?? [],
    });
  });
}

Deno.test("warm client tokens: stable per (pool, repo, seq, slot), distinct otherwise", () => {
  const base = { poolId: "pool-1", repo: "o/r", seq: 3, issuedAt: warmSlotOf(123_456_789, MIN) };
  const token = warmClientTokenOf(base);
  assert.equal(warmClientTokenOf({ ...base }), token);
  assert.match(token, /^[A-Za-z0-9-]{1,64}$/);
  assert.equal(parseClientToken(token), null, "never mistaken for a job batch's token");
  const others = [
    { ...base, seq: 4 },
    { ...base, repo: "o/s" },
    { ...base, poolId: "pool-2" },
    { ...base, issuedAt: base.issuedAt + MIN },
  ].map(warmClientTokenOf);
  assert.equal(new Set([token, ...others]).size, 5);
  assert.equal(warmSlotOf(123_456_789, MIN), 123_420_000);
});

Deno.test("a warm token is w, the slot in base 36, a hash of pool and repo, and the seq", () => {
  assert.equal(
    warmClientTokenOf({ poolId: "p1", repo: "o/r", seq: 3, issuedAt: 1_700_000_000_000 }),
    "wloyw3v28-85859e3c-3",
  );
  // A token EC2 would refuse (over 64 characters) is refused here first.
  assert.throws(
    () => warmClientTokenOf({ poolId: "p1", repo: "o/r", seq: 3, issuedAt: 1e100 }),
    { name: "RangeError", message: /^client token too long \(\d+\): w/ },
  );
});
