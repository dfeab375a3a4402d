import assert from "node:assert/strict";
import {
  idleUsdPerDay,
  isInWindow,
  isTimeZone,
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

/** [window text, its days (sorted), from minute, to minute]; null when refused. */
const windows: [string, [number[], number, number] | null][] = [
  ["mon 08:30-17:45", [[1], 510, 1065]],
  ["  Mon-Fri 08:00-18:00  ", [[1, 2, 3, 4, 5], 480, 1080]], // trimmed, any case
  ["SUN 00:00-00:01", [[0], 0, 1]],
  ["mon,wed,fri 09:00-10:00", [[1, 3, 5], 540, 600]],
  ["mon-tue,thu-fri 09:00-10:00", [[1, 2, 4, 5], 540, 600]],
  ["sat-sun 23:59-24:00", [[0, 6], 1439, 1440]],
  ["sun-sat 23:00-01:30", [[0, 1, 2, 3, 4, 5, 6], 1380, 90]],
  ["tue-tue 01:00-02:00", [[2], 60, 120]],
  // Refused: text around the window, a day that is not one, hours past the day.
  ["1mon 08:00-09:00", null],
  ["mon 08:00-09:001", null],
  ["mon 08:00-09:00 fri", null],
  ["xyz-mon 08:00-09:00", null],
  ["mon-xyz 08:00-09:00", null],
  ["mon,xyz 08:00-09:00", null],
  ["mon-fri,sat 08:00-09:00 x", null],
  ["mon- 08:00-09:00", null],
  ["mo 08:00-09:00", null],
  ["mon 24:00-01:00", null],
  ["mon 08:00-25:00", null],
  ["mon 08:00-24:01", null],
  ["mon 08:60-09:00", null],
  ["mon 08:00-09:60", null],
  ["mon 08:0a-09:00", null],
  ["mon 0a:00-09:00", null],
  ["mon 08:00-0a:00", null],
  ["mon 08:00-09:0a", null],
  ["mon 30:00-09:00", null],
  ["mon  08:00-09:00", null],
  ["mon 08:00 - 09:00", null],
  ["", null],
];

for (const [text, expected] of windows) {
  Deno.test(`parseWindow(${JSON.stringify(text)})`, () => {
    const window = parseWindow(text);
    assert.deepEqual(
      window && [[...window.days].sort(), window.fromMinute, window.toMinute],
      expected,
    );
  });
}

Deno.test("an overnight window opened on Saturday runs into Sunday morning", () => {
  const nights = { time_zone: "UTC", windows: ["sat 22:00-06:00"], off_hours_min: 0 };
  assert.equal(isInWindow(nights, at("2026-06-06T22:00:00Z")), true, "Sat 22:00");
  assert.equal(isInWindow(nights, at("2026-06-06T21:59:00Z")), false, "Sat 21:59");
  assert.equal(isInWindow(nights, at("2026-06-07T05:59:00Z")), true, "Sun 05:59");
  assert.equal(isInWindow(nights, at("2026-06-07T06:00:00Z")), false, "Sun 06:00");
  assert.equal(isInWindow(nights, at("2026-06-07T22:00:00Z")), false, "Sun 22:00");
  assert.equal(isInWindow(nights, at("2026-06-06T05:59:00Z")), false, "Sat 05:59 (Fri shut)");
});

Deno.test("a schedule is open when any one of its windows is", () => {
  const split = { time_zone: "UTC", windows: ["mon 08:00-09:00", "tue 10:00-11:00"] };
  const schedule = { ...split, off_hours_min: 0 };
  assert.equal(isInWindow(schedule, at("2026-01-05T08:30:00Z")), true, "Mon 08:30");
  assert.equal(isInWindow(schedule, at("2026-01-06T10:30:00Z")), true, "Tue 10:30");
  assert.equal(isInWindow(schedule, at("2026-01-06T08:30:00Z")), false, "Tue 08:30");
  assert.equal(isInWindow(schedule, at("2026-01-05T10:30:00Z")), false, "Mon 10:30");
});

Deno.test("localTimeOf reads midnight as minute 0 and Saturday as day 6", () => {
  assert.deepEqual(localTimeOf(at("2026-01-05T00:00:00Z"), "UTC"), { day: 1, minute: 0 });
  assert.deepEqual(localTimeOf(at("2026-01-10T23:59:00Z"), "UTC"), { day: 6, minute: 1439 });
});

Deno.test("isTimeZone: IANA names and UTC, nothing else", () => {
  assert.equal(isTimeZone("Europe/Berlin"), true);
  assert.equal(isTimeZone("UTC"), true);
  assert.equal(isTimeZone("Mars/Olympus"), false);
  assert.equal(isTimeZone(""), false);
});

Deno.test("a budget applies only with a known, positive idle cost", () => {
  const budgeted = kind({ idle_budget_usd_per_day: 5 });
  // No budget: a known idle cost changes nothing.
  assert.deepEqual(warmTargetAt(kind(), { now: MONDAY_NOON_BERLIN, idleUsdPerDay: 2.304 }), {
    min: 4,
    max: 6,
    reason: "always",
  });
  // A cost below zero is no divisor for a budget.
  assert.deepEqual(warmTargetAt(budgeted, { now: MONDAY_NOON_BERLIN, idleUsdPerDay: -1 }), {
    min: 4,
    max: 6,
    reason: "always",
  });
  // Off hours with a budget: the off-hours min is what the budget is weighed against.
  const offHours = kind({
    idle_budget_usd_per_day: 5,
    schedule: { ...BERLIN_WORK, off_hours_min: 3 },
  });
  assert.deepEqual(warmTargetAt(offHours, { now: SUNDAY_NOON_BERLIN, idleUsdPerDay: 2.304 }), {
    min: 2,
    max: 2,
    reason: "budget",
  });
  assert.deepEqual(warmTargetAt(offHours, { now: SUNDAY_NOON_BERLIN, idleUsdPerDay: 1 }), {
    min: 3,
    max: 5,
    reason: "off-hours",
  });
});

Deno.test("a warm kind's numbers must be whole; max and off_hours_min are checked only when set", () => {
  const issues = (input: unknown) =>
    WarmKindSchema.safeParse(input).error?.issues.map((i) => [i.path.join("."), i.message]);
  assert.deepEqual(issues({ min: 1.5 }), [["min", "expected a whole number"]]);
  assert.deepEqual(issues({ max: 1.5 }), [["max", "expected a whole number"]]);
  assert.deepEqual(
    issues({ schedule: { time_zone: "UTC", windows: ["mon 08:00-09:00"], off_hours_min: 0.5 } }),
    [["schedule.off_hours_min", "expected a whole number"]],
  );
  assert.equal(issues({ min: 3 }), undefined, "no max: nothing to be below");
  assert.equal(issues({ min: 2, max: 2 }), undefined, "max may equal min");
  assert.equal(issues({ min: 1, max: 2 }), undefined, "no schedule");
  const schedule = { time_zone: "UTC", windows: ["mon 08:00-09:00"], off_hours_min: 2 };
  assert.equal(issues({ min: 2, schedule }), undefined, "no max to be above");
  assert.equal(issues({ min: 2, max: 2, schedule }), undefined, "off_hours_min may equal max");
});
