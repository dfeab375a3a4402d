import assert from "node:assert/strict";
import {
  type PoolWarmFields,
  shareOf,
  type WarmBounds,
  warmBoundsAt,
  warmFieldProblems,
  type WarmKindName,
  warmKindOf,
} from "./warm_bounds.ts";
import { idleUsdPerDay } from "./warm_schedule.ts";

const at = (iso: string) => Date.parse(iso);

const NO_WARM: PoolWarmFields = {
  minIdle: 0,
  maxIdle: null,
  idleSchedule: null,
  idleBudgetUsdPerDay: null,
  stoppedMin: 0,
  stoppedMax: null,
  stoppedSchedule: null,
  stoppedBudgetUsdPerDay: null,
};
const BERLIN_WORK = {
  time_zone: "Europe/Berlin",
  windows: ["mon-fri 08:00-18:00"],
  off_hours_min: 1,
};
const NY_NIGHTS = {
  time_zone: "America/New_York",
  windows: ["mon-fri 22:00-06:00"],
  off_hours_min: 0,
};
const NY_WORK = {
  time_zone: "America/New_York",
  windows: ["mon-fri 08:00-18:00"],
  off_hours_min: 0,
};
/** Monday 5 January 2026, 09:00 in Berlin: inside BERLIN_WORK. */
const MONDAY_MORNING = at("2026-01-05T08:00:00Z");
/** $0.10/h around the clock: 2.40 a day (2.4000000000000004 in floating point). */
const HOT_PER_DAY = idleUsdPerDay("hot", { priceUsdPerHour: 0.1, rootVolumeGb: 30 })!;
/** 73 GiB of gp3: 73 × 0.08 × 24 / 730 = 0.192 a day. */
const STOPPED_PER_DAY = idleUsdPerDay("stopped", { priceUsdPerHour: null, rootVolumeGb: 73 })!;

/** Berlin and New York instants the tables use (UTC). */
const BERLIN_MON_0800 = at("2026-01-05T07:00:00Z");
const BERLIN_MON_0759 = at("2026-01-05T06:59:00Z");
const BERLIN_FRI_1800 = at("2026-01-09T17:00:00Z");
const BERLIN_SAT_NOON = at("2026-01-10T11:00:00Z");

/** [name, pool fields, now, one instance's idle $/day, expected target, max, reason, copies]. */
type Case = [string, Partial<PoolWarmFields>, number, number | null, WarmBounds, number?];
const keeps = (target: number, max: number, reason: WarmBounds["reason"]) => ({
  target,
  max,
  reason,
});

const HOT_4_6 = { minIdle: 4, maxIdle: 6 };
const hotBudget = (usd: number) => ({ ...HOT_4_6, idleBudgetUsdPerDay: usd });
const hotBerlin = { ...HOT_4_6, idleSchedule: BERLIN_WORK };
const hotCases: Case[] = [
  [
    "no schedule, no budget: the min, up to the max",
    HOT_4_6,
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(4, 6, "min"),
  ],
  ["no max: the max is the min", { minIdle: 3 }, MONDAY_MORNING, null, keeps(3, 3, "min")],
  [
    "budget exactly 4 instance-days keeps 4, max capped at 4",
    hotBudget(9.6),
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(4, 4, "min"),
  ],
  [
    "one cent under 4 instance-days keeps 3, drained to 3",
    hotBudget(9.59),
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(3, 3, "budget"),
  ],
  [
    "one cent over 4 instance-days keeps 4",
    hotBudget(9.61),
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(4, 4, "min"),
  ],
  [
    "a budget for 6 keeps the min and allows the max",
    hotBudget(14.4),
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(4, 6, "min"),
  ],
  [
    "an unquoted price applies no budget",
    hotBudget(0.01),
    MONDAY_MORNING,
    null,
    keeps(4, 6, "min"),
  ],
  [
    "a budget under one instance-day keeps none",
    hotBudget(2.39),
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(0, 0, "budget"),
  ],
  [
    "Berlin Monday 08:00 CET opens the window",
    hotBerlin,
    BERLIN_MON_0800,
    HOT_PER_DAY,
    keeps(4, 6, "in-window"),
  ],
  [
    "Berlin Monday 07:59 CET: off hours, drained to off_hours_min",
    hotBerlin,
    BERLIN_MON_0759,
    HOT_PER_DAY,
    keeps(1, 1, "off-hours"),
  ],
  [
    "Berlin Friday 18:00 CET closes the window",
    hotBerlin,
    BERLIN_FRI_1800,
    HOT_PER_DAY,
    keeps(1, 1, "off-hours"),
  ],
  [
    "off hours under a budget for none: the budget wins",
    { ...hotBerlin, idleBudgetUsdPerDay: 1 },
    BERLIN_SAT_NOON,
    HOT_PER_DAY,
    keeps(0, 0, "budget"),
  ],
  [
    "three repos: min, max and off hours count per repo, the budget per pool",
    { minIdle: 2, maxIdle: 3, idleBudgetUsdPerDay: 12 },
    MONDAY_MORNING,
    HOT_PER_DAY,
    keeps(5, 5, "budget"),
    3,
  ],
  [
    "three repos off hours keep 3 × off_hours_min",
    { minIdle: 2, idleSchedule: BERLIN_WORK },
    BERLIN_SAT_NOON,
    HOT_PER_DAY,
    keeps(3, 3, "off-hours"),
    3,
  ],
];

const nights = { stoppedMin: 2, stoppedSchedule: NY_NIGHTS };
const days = { stoppedMin: 2, stoppedSchedule: NY_WORK };
const stoppedBudget = (usd: number) => ({
  stoppedMin: 3,
  stoppedMax: 5,
  stoppedBudgetUsdPerDay: usd,
});
const stoppedCases: Case[] = [
  // New York, overnight mon-fri 22:00-06:00 (EST is UTC-5 in January).
  [
    "New York Monday 22:00 EST opens the overnight window",
    nights,
    at("2026-01-06T03:00:00Z"),
    STOPPED_PER_DAY,
    keeps(2, 2, "in-window"),
  ],
  [
    "New York Tuesday 05:59 EST: still Monday's night",
    nights,
    at("2026-01-06T10:59:00Z"),
    STOPPED_PER_DAY,
    keeps(2, 2, "in-window"),
  ],
  [
    "New York Tuesday 06:00 EST closes it",
    nights,
    at("2026-01-06T11:00:00Z"),
    STOPPED_PER_DAY,
    keeps(0, 0, "off-hours"),
  ],
  [
    "New York Saturday 02:00 EST: Friday's night",
    nights,
    at("2026-01-10T07:00:00Z"),
    STOPPED_PER_DAY,
    keeps(2, 2, "in-window"),
  ],
  [
    "New York Sunday 02:00 EST: Saturday opens no night",
    nights,
    at("2026-01-11T07:00:00Z"),
    STOPPED_PER_DAY,
    keeps(0, 0, "off-hours"),
  ],
  // DST begins in New York on Sunday 8 March 2026 (02:00 EST → 03:00 EDT).
  [
    "New York Friday before DST: 13:00 UTC is 08:00 EST, inside",
    days,
    at("2026-03-06T13:00:00Z"),
    STOPPED_PER_DAY,
    keeps(2, 2, "in-window"),
  ],
  [
    "New York Friday before DST: 12:59 UTC is 07:59 EST, outside",
    days,
    at("2026-03-06T12:59:00Z"),
    STOPPED_PER_DAY,
    keeps(0, 0, "off-hours"),
  ],
  [
    "New York Monday after DST: 12:00 UTC is 08:00 EDT, inside",
    days,
    at("2026-03-09T12:00:00Z"),
    STOPPED_PER_DAY,
    keeps(2, 2, "in-window"),
  ],
  [
    "New York Monday after DST: 11:59 UTC is 07:59 EDT, outside",
    days,
    at("2026-03-09T11:59:00Z"),
    STOPPED_PER_DAY,
    keeps(0, 0, "off-hours"),
  ],
  // Stopped budgets: 0.192 a day each.
  [
    "stopped budget exactly 3 volume-days keeps 3",
    stoppedBudget(0.576),
    MONDAY_MORNING,
    STOPPED_PER_DAY,
    keeps(3, 3, "min"),
  ],
  [
    "stopped budget one cent under keeps 2",
    stoppedBudget(0.566),
    MONDAY_MORNING,
    STOPPED_PER_DAY,
    keeps(2, 2, "budget"),
  ],
  [
    "stopped budget one cent over keeps 3",
    stoppedBudget(0.586),
    MONDAY_MORNING,
    STOPPED_PER_DAY,
    keeps(3, 3, "min"),
  ],
  [
    "the hot fields do not size the stopped kind",
    { minIdle: 5, idleBudgetUsdPerDay: 0.01, stoppedMin: 1 },
    MONDAY_MORNING,
    STOPPED_PER_DAY,
    keeps(1, 1, "min"),
  ],
];

const cases: [WarmKindName, Case][] = [
  ...hotCases.map((c): [WarmKindName, Case] => ["hot", c]),
  ...stoppedCases.map((c): [WarmKindName, Case] => ["stopped", c]),
];
for (const [kind, [name, pool, now, idleUsdPerDay, expected, copies]] of cases) {
  Deno.test(`warmBoundsAt, ${kind}: ${name}`, () => {
    assert.deepEqual(
      warmBoundsAt({ ...NO_WARM, ...pool }, kind, { now, idleUsdPerDay, copies }),
      expected,
    );
  });
}

Deno.test("the per-instance prices the tables use", () => {
  assert.equal(HOT_PER_DAY.toFixed(6), "2.400000");
  assert.equal(STOPPED_PER_DAY.toFixed(6), "0.192000");
});

Deno.test("warmKindOf multiplies counts, not the budget", () => {
  assert.deepEqual(
    warmKindOf(
      { ...NO_WARM, minIdle: 2, maxIdle: 3, idleSchedule: BERLIN_WORK, idleBudgetUsdPerDay: 5 },
      "hot",
      2,
    ),
    {
      min: 4,
      max: 6,
      schedule: { ...BERLIN_WORK, off_hours_min: 2 },
      idle_budget_usd_per_day: 5,
    },
  );
  assert.deepEqual(warmKindOf({ ...NO_WARM, stoppedMin: 1 }, "stopped"), {
    min: 1,
    max: null,
    schedule: null,
    idle_budget_usd_per_day: null,
  });
});

Deno.test("shareOf spreads a total over parts, the first taking the remainder", () => {
  const table: [total: number, parts: number, shares: number[]][] = [
    [5, 3, [2, 2, 1]],
    [6, 3, [2, 2, 2]],
    [1, 3, [1, 0, 0]],
    [0, 2, [0, 0]],
  ];
  for (const [total, parts, shares] of table) {
    assert.deepEqual(
      shares.map((_, index) => shareOf(total, index, parts)),
      shares,
      `${total} over ${parts}`,
    );
  }
  assert.equal(shareOf(4, 0, 0), 0);
});

Deno.test("warmFieldProblems: a max under its min, off hours above the min", () => {
  assert.deepEqual(warmFieldProblems(NO_WARM), []);
  assert.deepEqual(warmFieldProblems({ ...NO_WARM, minIdle: 2, maxIdle: 2 }), []);
  assert.deepEqual(warmFieldProblems({ ...NO_WARM, minIdle: 2, maxIdle: 1 }), [
    { field: "maxIdle", message: "max idle (1) is below min idle (2)" },
  ]);
  assert.deepEqual(
    warmFieldProblems({ ...NO_WARM, minIdle: 1, idleSchedule: BERLIN_WORK }),
    [],
  );
  assert.deepEqual(
    warmFieldProblems({
      ...NO_WARM,
      idleSchedule: BERLIN_WORK,
      stoppedMin: 1,
      stoppedSchedule: { ...NY_WORK, off_hours_min: 2 },
    }),
    [
      { field: "idleSchedule", message: "off_hours_min (1) is above min idle (0)" },
      { field: "stoppedSchedule", message: "off_hours_min (2) is above min stopped (1)" },
    ],
  );
});
