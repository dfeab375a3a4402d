/**
 * A pool's warm bounds per kind, from its pool fields: how many idle
 * instances it keeps now (its target), the most it may hold (those over it
 * are retired), and why — its min, a schedule's window or off hours, or its
 * idle budget. Off hours and a binding budget drain the kind to its target.
 * The hot kind's counts are per bound repo, its budget per pool: its bounds
 * are for the pool as a whole and {@link shareOf} spreads them over repos.
 * Pure: the clock and the price come in.
 *
 * @module
 */
import { type WarmKind, type WarmSchedule, warmTargetAt } from "./warm_schedule.ts";

/** The two kinds of warm capacity: hot (running, registered, idle) and stopped. */
export const WARM_KINDS = ["hot", "stopped"] as const;
export type WarmKindName = typeof WARM_KINDS[number];

/**
 * Why a kind's target is what it is: `min` (no schedule), `in-window`,
 * `off-hours` (the schedule's off_hours_min), `budget` (capped by the idle budget).
 */
export const WARM_REASONS = ["min", "in-window", "off-hours", "budget"] as const;
export type WarmReason = typeof WARM_REASONS[number];

/** The pool fields warm sizing reads (API spelling, as `shared/pool_fields.ts` declares them). */
export interface PoolWarmFields {
  minIdle: number;
  maxIdle: number | null;
  idleSchedule: WarmSchedule | null;
  idleBudgetUsdPerDay: number | null;
  stoppedMin: number;
  stoppedMax: number | null;
  stoppedSchedule: WarmSchedule | null;
  stoppedBudgetUsdPerDay: number | null;
}

/** What one kind of a pool keeps now. */
export interface WarmBounds {
  /** Idle instances to keep waiting now. */
  target: number;
  /** Most to hold now; those over it are retired. */
  max: number;
  reason: WarmReason;
}

/** A kind's sizing as `warm_schedule.ts` takes it, its counts multiplied by `copies` (bound repos). */
export function warmKindOf(pool: PoolWarmFields, kind: WarmKindName, copies = 1): WarmKind {
  const [min, max, schedule, budget] = kind === "hot"
    ? [pool.minIdle, pool.maxIdle, pool.idleSchedule, pool.idleBudgetUsdPerDay]
    : [pool.stoppedMin, pool.stoppedMax, pool.stoppedSchedule, pool.stoppedBudgetUsdPerDay];
  return {
    min: min * copies,
    max: max === null ? null : max * copies,
    schedule: schedule && { ...schedule, off_hours_min: schedule.off_hours_min * copies },
    idle_budget_usd_per_day: budget,
  };
}

/**
 * The bounds of one kind of a pool at `now`. `idleUsdPerDay` is what one
 * instance of the kind costs a day idle (`idleUsdPerDay` in warm_schedule.ts;
 * null when unknown: then no budget applies). `copies`: the repos a hot pool
 * keeps runners for (1 for stopped).
 */
export function warmBoundsAt(
  pool: PoolWarmFields,
  kind: WarmKindName,
  context: { now: number; idleUsdPerDay: number | null; copies?: number },
): WarmBounds {
  const wanted = warmTargetAt(warmKindOf(pool, kind, context.copies ?? 1), context);
  const reason: WarmReason = wanted.reason === "always" ? "min" : wanted.reason;
  // Off hours and a binding budget drain the kind: nothing idles above the target.
  const max = reason === "off-hours" || reason === "budget" ? wanted.min : wanted.max;
  return { target: wanted.min, max, reason };
}

/** The `index`-th of `parts` shares of `total`: the first ones take the remainder. */
export function shareOf(total: number, index: number, parts: number): number {
  if (parts <= 0) return 0;
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/** A problem with a pool's warm fields, at the field it names (API spelling). */
export interface WarmFieldProblem {
  field: "maxIdle" | "idleSchedule" | "stoppedSchedule";
  message: string;
}

/** What is wrong across a pool's warm fields: a max under its min, off hours above the min. */
export function warmFieldProblems(
  pool: Pick<
    PoolWarmFields,
    "minIdle" | "maxIdle" | "idleSchedule" | "stoppedMin" | "stoppedSchedule"
  >,
): WarmFieldProblem[] {
  const problems: WarmFieldProblem[] = [];
  if (pool.maxIdle !== null && pool.maxIdle < pool.minIdle) {
    problems.push({
      field: "maxIdle",
      message: `max idle (${pool.maxIdle}) is below min idle (${pool.minIdle})`,
    });
  }
  const offHours = [
    ["idleSchedule", pool.idleSchedule, pool.minIdle, "min idle"],
    ["stoppedSchedule", pool.stoppedSchedule, pool.stoppedMin, "min stopped"],
  ] as const;
  for (const [field, schedule, min, name] of offHours) {
    if (schedule && schedule.off_hours_min > min) {
      problems.push({
        field,
        message: `off_hours_min (${schedule.off_hours_min}) is above ${name} (${min})`,
      });
    }
  }
  return problems;
}
