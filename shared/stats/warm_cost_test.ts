import assert from "node:assert/strict";
import { warmCostKey, warmCostOf, type WarmInstance } from "./warm_cost.ts";

const HOUR = 3600_000;
const DAY = { from: Date.parse("2026-01-05T00:00:00Z"), to: Date.parse("2026-01-05T12:00:00Z") };
const hot = (over: Partial<WarmInstance>): WarmInstance => ({
  poolId: "p1",
  kind: "hot",
  launchedAt: DAY.from + HOUR,
  terminatedAt: null,
  usedAt: null,
  isClaimed: false,
  priceUsdPerHour: 0.1,
  rootVolumeGb: 73,
  ...over,
});
const stopped = (over: Partial<WarmInstance>) => hot({ kind: "stopped", ...over });
const round = (cost: { current: number; idleUsd: number; unquoted: number } | undefined) =>
  cost && { ...cost, idleUsd: Number(cost.idleUsd.toFixed(6)) };

Deno.test("hot: idle from launch (or the day's start) to its first job, its end or now, at its price", () => {
  const costs = warmCostOf([
    hot({}), // 11 h idle, waiting: 1.1
    hot({ launchedAt: DAY.from - 5 * HOUR, usedAt: DAY.from + 2 * HOUR }), // 2 h: 0.2
    hot({ terminatedAt: DAY.from + 4 * HOUR }), // 3 h: 0.3
    hot({ launchedAt: DAY.from - 2 * HOUR, terminatedAt: DAY.from - HOUR }), // yesterday: 0
    hot({ priceUsdPerHour: null }), // waiting, unquoted
    hot({ priceUsdPerHour: null, launchedAt: DAY.to }), // launched just now: no idle time, not unquoted
    hot({ poolId: "p2", priceUsdPerHour: 1, launchedAt: DAY.to - HOUR / 2 }), // 0.5
  ], DAY);
  assert.deepEqual(round(costs.get(warmCostKey("p1", "hot"))), {
    current: 3,
    idleUsd: 1.6,
    unquoted: 1,
  });
  assert.deepEqual(round(costs.get(warmCostKey("p2", "hot"))), {
    current: 1,
    idleUsd: 0.5,
    unquoted: 0,
  });
});

Deno.test("stopped: the root volume while it waits (73 GiB: 0.192 a day), a claimed one no more", () => {
  const costs = warmCostOf([
    stopped({ launchedAt: DAY.from - HOUR }), // 12 h: 0.096
    stopped({ terminatedAt: DAY.from + 7 * HOUR }), // 6 h: 0.048
    stopped({ isClaimed: true, launchedAt: DAY.from + 3 * HOUR }), // started for a job: 0
    stopped({ priceUsdPerHour: null, launchedAt: DAY.to }), // launched now: 0, waiting
  ], DAY);
  assert.deepEqual(round(costs.get(warmCostKey("p1", "stopped"))), {
    current: 2,
    idleUsd: 0.144,
    unquoted: 0,
  });
  assert.equal(costs.get(warmCostKey("p1", "hot")), undefined);
});
