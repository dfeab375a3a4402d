/**
 * When and how much idle capacity a warm pool keeps, per kind (hot: running
 * and registered; stopped: booted once, then stopped). Each kind has a
 * `min`/`max`, optional schedule windows in an IANA time zone (inside a
 * window the kind keeps its `min`, outside it keeps `off_hours_min`, 0 unless
 * set) and an idle budget in $/day that caps how many may wait at once: a hot
 * instance idles at its instance price, a stopped one at its EBS volume's.
 * Pure: the clock comes in as `now`; time zones through `Intl`.
 *
 * @module
 */
import { z } from "zod";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
type Day = typeof DAYS[number];

/** One window: the days it opens on and its local times, minutes after midnight. */
export interface WarmWindow {
  days: ReadonlySet<number>;
  fromMinute: number;
  /** At or before `fromMinute`: the window runs past midnight into the next day. */
  toMinute: number;
}

const WINDOW =
  /^([a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*) ([0-2]\d):([0-5]\d)-([0-2]\d):([0-5]\d)$/;

/** Parses `mon-fri 08:00-18:00` (days: names, ranges, commas; `22:00-06:00` runs overnight); null if malformed. */
export function parseWindow(text: string): WarmWindow | null {
  const match = WINDOW.exec(text.trim().toLowerCase());
  if (!match) return null;
  const days = new Set<number>();
  for (const part of match[1].split(",")) {
    const [first, last = first] = part.split("-") as [Day, Day?];
    const from = DAYS.indexOf(first);
    const to = DAYS.indexOf(last as Day);
    if (from < 0 || to < 0) return null;
    // A range may wrap the week (fri-mon).
    for (let d = from;; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  const [fh, fm, th, tm] = match.slice(2).map(Number);
  if (fh > 23 || (th > 24 || (th === 24 && tm > 0))) return null;
  const fromMinute = fh * 60 + fm;
  const toMinute = th * 60 + tm;
  if (fromMinute === toMinute) return null;
  return { days, fromMinute, toMinute };
}

/** Whether `zone` is a time zone this runtime knows (IANA names such as Europe/Berlin). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false; // RangeError: an unknown zone; the schema says so
  }
}

/** The schedule of one warm kind, as the config and the API take it. */
export const WarmScheduleSchema = z.strictObject({
  time_zone: z.string().refine(
    isTimeZone,
    "expected an IANA time zone such as Europe/Berlin or America/New_York",
  ),
  windows: z.array(
    z.string().refine(
      (text) => parseWindow(text) !== null,
      "expected a window such as 'mon-fri 08:00-18:00' (days sun..sat, 24-hour times)",
    ),
  ).min(1, "at least one window"),
  off_hours_min: z.int("expected a whole number").min(0).default(0),
});
export type WarmScheduleInput = z.input<typeof WarmScheduleSchema>;
export type WarmSchedule = z.output<typeof WarmScheduleSchema>;

/** One kind's sizing: min and max, an optional schedule, an optional idle budget in $/day. */
export const WarmKindSchema = z.strictObject({
  min: z.int("expected a whole number").min(0).default(0),
  max: z.int("expected a whole number").min(0).nullable().default(null),
  schedule: WarmScheduleSchema.nullable().default(null),
  idle_budget_usd_per_day: z.number().positive("expected more than 0; leave it out for none")
    .nullable().default(null),
}).check((payload) => {
  const { min, max, schedule } = payload.value;
  if (max !== null && max < min) {
    payload.issues.push({
      code: "custom",
      path: ["max"],
      message: `max (${max}) is below min (${min})`,
      input: payload.value,
    });
  }
  if (schedule && max !== null && schedule.off_hours_min > max) {
    payload.issues.push({
      code: "custom",
      path: ["schedule", "off_hours_min"],
      message: `off_hours_min (${schedule.off_hours_min}) is above max (${max})`,
      input: payload.value,
    });
  }
});
export type WarmKind = z.output<typeof WarmKindSchema>;

/** The local weekday (0 = Sunday) and minute of the day at `now` in `timeZone`. */
export function localTimeOf(now: number, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(now));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: DAYS.indexOf(part("weekday").toLowerCase() as Day),
    minute: Number(part("hour")) * 60 + Number(part("minute")),
  };
}

/** Whether `now` falls in one of the schedule's windows, in its time zone. */
export function isInWindow(schedule: WarmSchedule, now: number): boolean {
  const { day, minute } = localTimeOf(now, schedule.time_zone);
  return schedule.windows.some((text) => {
    const window = parseWindow(text)!;
    if (window.fromMinute < window.toMinute) {
      return window.days.has(day) && minute >= window.fromMinute && minute < window.toMinute;
    }
    // Overnight: the evening of an opening day, or the early hours after one.
    return (window.days.has(day) && minute >= window.fromMinute) ||
      (window.days.has((day + 6) % 7) && minute < window.toMinute);
  });
}

/** What one kind should hold now, and why. */
export interface WarmTargetNow {
  /** Instances to keep waiting now. */
  min: number;
  /** Most to keep; those over it are retired. */
  max: number;
  /** Why `min` is what it is, for the log and the console. */
  reason: "always" | "in-window" | "off-hours" | "budget";
}

/**
 * How many idle instances of one kind a pool keeps at `now`: the kind's min
 * (or its off-hours min outside every window), no more than its max, and no
 * more than its idle budget pays for (`idleUsdPerDay`, what one instance of
 * this kind costs a day idle; null when unknown, then the budget cannot be
 * applied and is not).
 */
export function warmTargetAt(
  kind: WarmKind,
  context: { now: number; idleUsdPerDay: number | null },
): WarmTargetNow {
  const max = kind.max ?? kind.min;
  let min = kind.min;
  let reason: WarmTargetNow["reason"] = "always";
  if (kind.schedule) {
    const isOpen = isInWindow(kind.schedule, context.now);
    min = isOpen ? kind.min : kind.schedule.off_hours_min;
    reason = isOpen ? "in-window" : "off-hours";
  }
  min = Math.min(min, max);
  const budget = kind.idle_budget_usd_per_day;
  if (budget !== null && context.idleUsdPerDay !== null && context.idleUsdPerDay > 0) {
    const affordable = Math.floor(budget / context.idleUsdPerDay + 1e-9);
    if (affordable < min) {
      return { min: affordable, max: Math.min(max, affordable), reason: "budget" };
    }
    return { min, max: Math.min(max, affordable), reason };
  }
  return { min, max, reason };
}

/** EBS gp3 storage in us-east-1, $ per GiB-month (AWS's price list, 2026). */
export const GP3_USD_PER_GB_MONTH = 0.08;
/** AWS bills a GiB-month as 730 hours. */
const HOURS_PER_MONTH = 730;

/**
 * What one instance of a kind costs a day while it waits: a hot one its
 * instance price around the clock, a stopped one only its root volume.
 */
export function idleUsdPerDay(
  kind: "hot" | "stopped",
  machine: { priceUsdPerHour: number | null; rootVolumeGb: number; volumeUsdPerGbMonth?: number },
): number | null {
  if (kind === "hot") return machine.priceUsdPerHour === null ? null : machine.priceUsdPerHour * 24;
  const perGbMonth = machine.volumeUsdPerGbMonth ?? GP3_USD_PER_GB_MONTH;
  return (machine.rootVolumeGb * perGbMonth * 24) / HOURS_PER_MONTH;
}
