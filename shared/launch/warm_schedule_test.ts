import assert from "node:assert/strict";
import {
  idleUsdPerDay,
  isInWindow,
  localTimeOf,
  parseWindow,
  type WarmKind,
  WarmKindSchema,
  warmTargetAt,
  type WarmTargetNow,
} from "./warm_schedule.ts";

const at = (iso: string) => Date.parse(iso);
const BERLIN_WORK = {
  time_zone: "Europe/Berlin",
  windows: ["mon-fri 08:00-18:00"],
  off_hours_min: 0,
};

Deno.test("parseWindow reads days, ranges, lists and overnight windows", () => {
  const w = parseWindow("mon-fri 08:00-18:00")!;
  assert.deepEqual([...w.days].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual([w.fromMinute, w.toMinute], [480, 1080]);
  assert.deepEqual([...parseWindow("fri-mon 22:00-06:00")!.days].sort(), [0, 1, 5, 6]);
  assert.deepEqual([...parseWindow("sat,sun 00:00-24:00")!.days].sort(), [0, 6]);
  for (
    const bad of [
      "mon-fri 8:00-18:00",
      "funday 08:00-18:00",
      "mon 25:00-26:00",
      "mon 08:00-08:00",
      "mon-fri",
    ]
  ) {
    assert.equal(parseWindow(bad), null, bad);
  }
});

/** [name, instant (UTC), in the Berlin working-hours window?] */
const instants: [string, string, boolean][] = [
  ["Monday 08:00 CET opens the window", "2026-01-05T07:00:00Z", true],
  ["Monday 07:59 CET is before it", "2026-01-05T06:59:00Z", false],
  ["Friday 17:59 CET is inside", "2026-01-09T16:59:00Z", true],
  ["Friday 18:00 CET closes it", "2026-01-09T17:00:00Z", false],
  ["Saturday noon is off", "2026-01-10T11:00:00Z", false],
  // DST begins in Berlin on Sunday 29 March 2026 (02:00 CET → 03:00 CEST).
  ["Monday after DST: 08:00 CEST is 06:00 UTC, inside", "2026-03-30T06:00:00Z", true],
  ["Monday after DST: 07:30 UTC is 09:30 CEST, inside", "2026-03-30T07:30:00Z", true],
  ["Monday after DST: 05:59 UTC is 07:59 CEST, outside", "2026-03-30T05:59:00Z", false],
  ["Friday before DST: 07:00 UTC is 08:00 CET, inside", "2026-03-27T07:00:00Z", true],
  ["Friday before DST: 06:00 UTC is 07:00 CET, outside", "2026-03-27T06:00:00Z", false],
  // DST ends on Sunday 25 October 2026 (03:00 CEST → 02:00 CET).
  ["Monday after DST ends: 17:00 UTC is 18:00 CET, outside", "2026-10-26T17:00:00Z", false],
  ["Friday before DST ends: 16:30 UTC is 18:30 CEST, outside", "2026-10-23T16:30:00Z", false],
  ["Friday before DST ends: 15:59 UTC is 17:59 CEST, inside", "2026-10-23T15:59:00Z", true],
];

for (const [name, iso, isInside] of instants) {
  Deno.test(`isInWindow, Europe/Berlin mon-fri 08:00-18:00: ${name}`, () => {
    assert.equal(isInWindow(BERLIN_WORK, at(iso)), isInside);
  });
}

Deno.test("an overnight window belongs to the day it opens", () => {
  const nights = { time_zone: "America/New_York", windows: ["fri 22:00-06:00"], off_hours_min: 0 };
  assert.equal(isInWindow(nights, at("2026-06-06T03:00:00Z")), true, "Fri 23:00 EDT");
  assert.equal(isInWindow(nights, at("2026-06-06T09:59:00Z")), true, "Sat 05:59 EDT");
  assert.equal(isInWindow(nights, at("2026-06-06T10:00:00Z")), false, "Sat 06:00 EDT");
  assert.equal(isInWindow(nights, at("2026-06-07T03:00:00Z")), false, "Sat 23:00 EDT");
});

Deno.test("localTimeOf gives the local weekday and minute", () => {
  assert.deepEqual(localTimeOf(at("2026-03-29T00:30:00Z"), "Europe/Berlin"), {
    day: 0,
    minute: 90,
  });
  assert.deepEqual(localTimeOf(at("2026-03-29T01:30:00Z"), "Europe/Berlin"), {
    day: 0,
    minute: 210,
  });
  assert.deepEqual(localTimeOf(at("2026-03-29T01:30:00Z"), "Asia/Kolkata"), {
    day: 0,
    minute: 420,
  });
});

const kind = (over: Partial<WarmKind> = {}): WarmKind =>
  WarmKindSchema.parse({ min: 4, max: 6, ...over });
const MONDAY_NOON_BERLIN = at("2026-01-05T11:00:00Z");
const SUNDAY_NOON_BERLIN = at("2026-01-04T11:00:00Z");

const targets: [string, WarmKind, number, number | null, WarmTargetNow][] = [
  ["no schedule, no budget: min and max", kind(), MONDAY_NOON_BERLIN, null, {
    min: 4,
    max: 6,
    reason: "always",
  }],
  ["max unset is min", kind({ max: null }), MONDAY_NOON_BERLIN, null, {
    min: 4,
    max: 4,
    reason: "always",
  }],
  ["in a window: min", kind({ schedule: BERLIN_WORK }), MONDAY_NOON_BERLIN, null, {
    min: 4,
    max: 6,
    reason: "in-window",
  }],
  ["off hours: 0", kind({ schedule: BERLIN_WORK }), SUNDAY_NOON_BERLIN, null, {
    min: 0,
    max: 6,
    reason: "off-hours",
  }],
  [
    "off hours with an off-hours min",
    kind({ schedule: { ...BERLIN_WORK, off_hours_min: 1 } }),
    SUNDAY_NOON_BERLIN,
    null,
    { min: 1, max: 6, reason: "off-hours" },
  ],
  // A hot m5.large at $0.096/h idles at $2.304/day: $5/day pays for two.
  ["a budget caps min and max", kind({ idle_budget_usd_per_day: 5 }), MONDAY_NOON_BERLIN, 2.304, {
    min: 2,
    max: 2,
    reason: "budget",
  }],
  [
    "a budget over min caps only max",
    kind({ idle_budget_usd_per_day: 12 }),
    MONDAY_NOON_BERLIN,
    2.304,
    { min: 4, max: 5, reason: "always" },
  ],
  [
    "an exact budget affords exactly",
    kind({ idle_budget_usd_per_day: 9.216 }),
    MONDAY_NOON_BERLIN,
    2.304,
    { min: 4, max: 4, reason: "always" },
  ],
  [
    "an unknown price does not apply the budget",
    kind({ idle_budget_usd_per_day: 1 }),
    MONDAY_NOON_BERLIN,
    null,
    { min: 4, max: 6, reason: "always" },
  ],
];

for (const [name, k, now, idle, expected] of targets) {
  Deno.test(`warmTargetAt: ${name}`, () => {
    assert.deepEqual(warmTargetAt(k, { now, idleUsdPerDay: idle }), expected);
  });
}

Deno.test("idle cost a day: a hot instance its price, a stopped one its volume", () => {
  assert.equal(
    idleUsdPerDay("hot", { priceUsdPerHour: 0.096, rootVolumeGb: 30 })!.toFixed(6),
    "2.304000",
  );
  assert.equal(idleUsdPerDay("hot", { priceUsdPerHour: null, rootVolumeGb: 30 }), null);
  // 30 GiB of gp3 at $0.08 per GiB-month, a month being 730 h.
  assert.equal(
    idleUsdPerDay("stopped", { priceUsdPerHour: 0.096, rootVolumeGb: 30 })!.toFixed(6),
    "0.078904",
  );
  assert.equal(
    idleUsdPerDay("stopped", {
      priceUsdPerHour: null,
      rootVolumeGb: 100,
      volumeUsdPerGbMonth: 0.125,
    })!
      .toFixed(6),
    "0.410959",
  );
});

Deno.test("a warm kind's config is refused with messages that say what to write", () => {
  const issues = (input: unknown) =>
    WarmKindSchema.safeParse(input).error?.issues.map((i) => [i.path.join("."), i.message]);
  assert.deepEqual(issues({ min: 3, max: 2 }), [["max", "max (2) is below min (3)"]]);
  assert.deepEqual(
    issues({ min: 1, schedule: { time_zone: "Mars/Olympus", windows: ["mon 08:00-09:00"] } }),
    [
      [
        "schedule.time_zone",
        "expected an IANA time zone such as Europe/Berlin or America/New_York",
      ],
    ],
  );
  assert.deepEqual(issues({ schedule: { time_zone: "UTC", windows: ["weekdays 9-5"] } }), [
    [
      "schedule.windows.0",
      "expected a window such as 'mon-fri 08:00-18:00' (days sun..sat, 24-hour times)",
    ],
  ]);
  assert.deepEqual(issues({ schedule: { time_zone: "UTC", windows: [] } }), [[
    "schedule.windows",
    "at least one window",
  ]]);
  assert.deepEqual(issues({ idle_budget_usd_per_day: 0 }), [
    ["idle_budget_usd_per_day", "expected more than 0; leave it out for none"],
  ]);
  assert.deepEqual(issues({ max: 1, schedule: { ...BERLIN_WORK, off_hours_min: 2 } }), [
    ["schedule.off_hours_min", "off_hours_min (2) is above max (1)"],
  ]);
  assert.deepEqual(WarmKindSchema.parse({}), {
    min: 0,
    max: null,
    schedule: null,
    idle_budget_usd_per_day: null,
  });
});
