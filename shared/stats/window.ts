/**
 * Which part of a stats window the daily roll-ups answer and which part
 * needs the jobs themselves: roll-ups cover whole UTC days, so only the
 * ragged ends of a window (a rolling "last 24 h") are read from `jobs`.
 *
 * @module
 */

export const DAY_MS = 86_400_000;

/** A half-open time range `[from, to)` in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** How to answer a window. */
export interface WindowPlan {
  /** Whole UTC days `[from, to)` to read from the roll-ups, or null. */
  days: TimeRange | null;
  /** Ranges to read from `jobs`, at most two. */
  raw: TimeRange[];
}

/** Start of the UTC day holding `ms`. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * Splits `[from, to)` into whole days and ragged ends. A window reaching
 * `now` or later counts today as whole: nothing is queued in the future.
 */
export function planWindow(window: TimeRange, now: number): WindowPlan {
  const { from, to } = window;
  if (to <= from) return { days: null, raw: [] };
  const firstDay = dayOf(from) === from ? from : dayOf(from) + DAY_MS;
  const endDay = to >= now ? dayOf(now) + DAY_MS : dayOf(to);
  if (firstDay >= endDay) return { days: null, raw: [{ from, to }] };
  const raw: TimeRange[] = [];
  if (from < firstDay) raw.push({ from, to: firstDay });
  if (to > endDay) raw.push({ from: endDay, to });
  return { days: { from: firstDay, to: endDay }, raw };
}
