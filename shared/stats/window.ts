/**
 * Which part of a stats window each roll-up answers and which part needs
 * the jobs themselves: whole UTC days from the daily roll-ups, whole hours
 * at the ragged ends from the hourly ones, and only the part of an hour at
 * each end from `jobs`.
 *
 * @module
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A half-open time range `[from, to)` in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** How to answer a window. */
export interface WindowPlan {
  /** Whole UTC days to read from the daily roll-ups, or null. */
  days: TimeRange | null;
  /** Whole UTC hours to read from the hourly roll-ups, at most two ranges. */
  hours: TimeRange[];
  /** Ranges to read from `jobs`, at most two, each under an hour. */
  raw: TimeRange[];
}

/** Start of the UTC day holding `ms`. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * The whole `unit`s inside `[from, to)`, or null. A range running past `now`
 * covers the current unit whole: nothing is queued in the future. One that
 * ends at `now` stops there, since `to` is excluded: at midnight, the last
 * 24 hours are yesterday, not yesterday and today.
 */
function wholeUnits(range: TimeRange, unit: number, now: number): TimeRange | null {
  const first = Math.ceil(range.from / unit) * unit;
  const end = range.to > now
    ? Math.floor(now / unit) * unit + unit
    : Math.floor(range.to / unit) * unit;
  return first < end ? { from: first, to: end } : null;
}

/** What is left of `range` around `inner` (which lies within it, or past its end). */
function around(range: TimeRange, inner: TimeRange): TimeRange[] {
  const parts: TimeRange[] = [];
  if (range.from < inner.from) parts.push({ from: range.from, to: inner.from });
  if (range.to > inner.to) parts.push({ from: inner.to, to: range.to });
  return parts;
}

/** Splits `[from, to)` into whole days, whole hours and the rest. */
export function planWindow(window: TimeRange, now: number): WindowPlan {
  if (window.to <= window.from) return { days: null, hours: [], raw: [] };
  const days = wholeUnits(window, DAY_MS, now);
  const hours: TimeRange[] = [];
  const raw: TimeRange[] = [];
  for (const part of days ? around(window, days) : [window]) {
    const whole = wholeUnits(part, HOUR_MS, now);
    if (whole) hours.push(whole);
    raw.push(...(whole ? around(part, whole) : [part]));
  }
  return { days, hours, raw };
}
