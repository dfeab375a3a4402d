/**
 * When gathered jobs go to their launch call. Gathering only pays in a burst
 * (a thousand jobs in 15 calls, not a thousand), so a job that arrives while
 * nothing else waits launches at once; while the edge reports a backlog,
 * jobs gather until it is recorded, up to a cap so a steady stream still
 * launches; and a burst that has just ended launches as soon as its last
 * part is in hand, with a quiet window only as the fallback.
 */

/** A gathering launches after at most this many windows, however busy. */
export const MAX_GATHER_WINDOWS = 10;

/** What a gathering (the jobs of one batch key waiting for a call) knows of itself. */
export interface GatheringState {
  /** When its first and its latest job arrived (epoch ms). */
  firstAt: number;
  lastAt: number;
  /** Opened while nothing else waited: no backlog at the edge, nothing gathering for its pool. */
  isLone: boolean;
  /** The burst it gathered for has ended and its last part has been admitted. */
  isBurstInHand: boolean;
}

export interface GatherContext {
  /** Jobs of one key queued within this window of each other launch together. */
  windowMs: number;
  /** The edge holds more events than are recorded (a burst being leased in parts). */
  isMoreExpected: boolean;
}

/**
 * When the gathering launches (epoch ms; at or before now means at once):
 * at its cap while more is expected; at once when it is lone or its burst is
 * in hand; otherwise once quiet for a window, or at its cap.
 */
export function launchAtOf(gathering: GatheringState, context: GatherContext): number {
  const cap = gathering.firstAt + MAX_GATHER_WINDOWS * context.windowMs;
  if (context.isMoreExpected) return cap;
  if (gathering.isLone || gathering.isBurstInHand) return gathering.firstAt;
  return Math.min(gathering.lastAt + context.windowMs, cap);
}

/**
 * Whether a job that opens a gathering arrives alone: the edge reports no
 * backlog and no other job of its pool is gathering.
 */
export function isLoneArrival(at: { isMoreExpected: boolean; gatheringInPool: number }): boolean {
  return !at.isMoreExpected && at.gatheringInPool === 0;
}
