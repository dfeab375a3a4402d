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

type Case = [
  name: string,
  kind: WarmKindName,
  pool: Partial<PoolWarmFields>,
  context: { now: number; idleUsdPerDay: number | null; copies?: number },
  expected: WarmBounds,
];

const HOT_4_6 = { minIdle: 4, maxIdle: 6 };
const cases: Case[] = [
  ["no schedule, no budget: the min, up to the max", "hot", HOT_4_6, {
    now: MONDAY_MORNING,
    idleUsdPerDay: HOT_PER_DAY,
  }, { target: 4, max: 6, reason: "min" }],
  ["no max: the max is the min", "hot", { minIdle: 3 }, {
    now: MONDAY_MORNING,
    idleUsdPerDay: null,
  }, { target: 3, max: 3, reason: "min" }],
  [
    "budget exactly 4 instance-days keeps 4, max capped at 4",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 9.6,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY },
    { target: 4, max: 4, reason: "min" },
  ],
  [
    "one cent under 4 instance-days keeps 3, drained to 3",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 9.59,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY },
    { target: 3, max: 3, reason: "budget" },
  ],
  [
    "one cent over 4 instance-days keeps 4",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 9.61,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY },
    { target: 4, max: 4, reason: "min" },
  ],
  [
    "a budget for 6 keeps the min and allows the max",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 14.4,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY },
    { target: 4, max: 6, reason: "min" },
  ],
  [
    "an unquoted price applies no budget",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 0.01,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: null },
    { target: 4, max: 6, reason: "min" },
  ],
  [
    "a budget under one instance-day keeps none",
    "hot",
    {
      ...HOT_4_6,
      idleBudgetUsdPerDay: 2.39,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY },
    { target: 0, max: 0, reason: "budget" },
  ],
  [
    "Berlin Monday 08:00 CET opens the window",
    "hot",
    {
      ...HOT_4_6,
      idleSchedule: BERLIN_WORK,
    },
    { now: at("2026-01-05T07:00:00Z"), idleUsdPerDay: HOT_PER_DAY },
    {
      target: 4,
      max: 6,
      reason: "in-window",
    },
  ],
  [
    "Berlin Monday 07:59 CET: off hours, drained to off_hours_min",
    "hot",
    {
      ...HOT_4_6,
      idleSchedule: BERLIN_WORK,
    },
    { now: at("2026-01-05T06:59:00Z"), idleUsdPerDay: HOT_PER_DAY },
    {
      target: 1,
      max: 1,
      reason: "off-hours",
    },
  ],
  [
    "Berlin Friday 18:00 CET closes the window",
    "hot",
    {
      ...HOT_4_6,
      idleSchedule: BERLIN_WORK,
    },
    { now: at("2026-01-09T17:00:00Z"), idleUsdPerDay: HOT_PER_DAY },
    {
      target: 1,
      max: 1,
      reason: "off-hours",
    },
  ],
  [
    "off hours under a budget for none: the budget wins",
    "hot",
    {
      ...HOT_4_6,
      idleSchedule: BERLIN_WORK,
      idleBudgetUsdPerDay: 1,
    },
    { now: at("2026-01-10T11:00:00Z"), idleUsdPerDay: HOT_PER_DAY },
    {
      target: 0,
      max: 0,
      reason: "budget",
    },
  ],
  [
    "three repos: min, max and off hours count per repo, the budget per pool",
    "hot",
    {
      minIdle: 2,
      maxIdle: 3,
      idleBudgetUsdPerDay: 12,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: HOT_PER_DAY, copies: 3 },
    {
      target: 5,
      max: 5,
      reason: "budget",
    },
  ],
  [
    "three repos off hours keep 3 × off_hours_min",
    "hot",
    {
      minIdle: 2,
      idleSchedule: BERLIN_WORK,
    },
    { now: at("2026-01-10T11:00:00Z"), idleUsdPerDay: HOT_PER_DAY, copies: 3 },
    {
      target: 3,
      max: 3,
      reason: "off-hours",
    },
  ],
  // New York, overnight mon-fri 22:00-06:00 (EST is UTC-5 in January).
  [
    "New York Monday 22:00 EST opens the overnight window",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_NIGHTS,
    },
    { now: at("2026-01-06T03:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "in-window",
    },
  ],
  [
    "New York Tuesday 05:59 EST: still Monday's night",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_NIGHTS,
    },
    { now: at("2026-01-06T10:59:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "in-window",
    },
  ],
  [
    "New York Tuesday 06:00 EST closes it",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_NIGHTS,
    },
    { now: at("2026-01-06T11:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 0,
      max: 0,
      reason: "off-hours",
    },
  ],
  [
    "New York Saturday 02:00 EST: Friday's night",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_NIGHTS,
    },
    { now: at("2026-01-10T07:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "in-window",
    },
  ],
  [
    "New York Sunday 02:00 EST: Saturday opens no night",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_NIGHTS,
    },
    { now: at("2026-01-11T07:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 0,
      max: 0,
      reason: "off-hours",
    },
  ],
  // DST begins in New York on Sunday 8 March 2026 (02:00 EST → 03:00 EDT).
  [
    "New York Friday before DST: 13:00 UTC is 08:00 EST, inside",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_WORK,
    },
    { now: at("2026-03-06T13:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "in-window",
    },
  ],
  [
    "New York Friday before DST: 12:59 UTC is 07:59 EST, outside",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_WORK,
    },
    { now: at("2026-03-06T12:59:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 0,
      max: 0,
      reason: "off-hours",
    },
  ],
  [
    "New York Monday after DST: 12:00 UTC is 08:00 EDT, inside",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_WORK,
    },
    { now: at("2026-03-09T12:00:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "in-window",
    },
  ],
  [
    "New York Monday after DST: 11:59 UTC is 07:59 EDT, outside",
    "stopped",
    {
      stoppedMin: 2,
      stoppedSchedule: NY_WORK,
    },
    { now: at("2026-03-09T11:59:00Z"), idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 0,
      max: 0,
      reason: "off-hours",
    },
  ],
  // Stopped budgets: 0.192 a day each.
  [
    "stopped budget exactly 3 volume-days keeps 3",
    "stopped",
    {
      stoppedMin: 3,
      stoppedMax: 5,
      stoppedBudgetUsdPerDay: 0.576,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 3,
      max: 3,
      reason: "min",
    },
  ],
  [
    "stopped budget one cent under keeps 2",
    "stopped",
    {
      stoppedMin: 3,
      stoppedMax: 5,
      stoppedBudgetUsdPerDay: 0.566,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 2,
      max: 2,
      reason: "budget",
    },
  ],
  [
    "stopped budget one cent over keeps 3",
    "stopped",
    {
      stoppedMin: 3,
      stoppedMax: 5,
      stoppedBudgetUsdPerDay: 0.586,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 3,
      max: 3,
      reason: "min",
    },
  ],
  [
    "the hot fields do not size the stopped kind",
    "stopped",
    {
      minIdle: 5,
      idleBudgetUsdPerDay: 0.01,
      stoppedMin: 1,
    },
    { now: MONDAY_MORNING, idleUsdPerDay: STOPPED_PER_DAY },
    {
      target: 1,
      max: 1,
      reason: "min",
    },
  ],
];

for (const [name, kind, pool, context, expected] of cases) {
  Deno.test(`warmBoundsAt, ${kind}: ${name}`, () => {
    assert.deepEqual(warmBoundsAt({ ...NO_WARM, ...pool }, kind, context), expected);
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
