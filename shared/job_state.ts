/**
 * The job state machine. Legal transitions are data ({@link JOB_TRANSITIONS})
 * so the edge, the core and the console agree on them and a test can walk
 * every pair.
 *
 * A job may skip ahead to `running` or `completed` from before launch:
 * GitHub can hand the job to another runner with matching labels ("runner
 * stealing"), or the workflow can be cancelled before our runner starts.
 *
 * @module
 */

import { GantryError } from "./errors.ts";

/** Every state a job can be in, in rough lifecycle order. */
export const JOB_STATES = [
  "queued",
  "claimed",
  "launching",
  "starting",
  "running",
  "completed",
  "failed",
  "reaped",
  "cancelled",
  "dropped",
] as const;

/** A job's state. */
export type JobState = typeof JOB_STATES[number];

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = [
  "completed",
  "failed",
  "reaped",
  "cancelled",
  "dropped",
];

/** For each state, the states it may move to. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ["claimed", "running", "completed", "cancelled", "dropped", "failed"],
  claimed: ["launching", "queued", "running", "completed", "cancelled", "failed"],
  launching: ["starting", "queued", "running", "completed", "cancelled", "failed"],
  // starting → queued: its machine ended before the runner took the job; launch again.
  starting: ["running", "queued", "completed", "cancelled", "failed", "reaped"],
  running: ["completed", "failed", "cancelled", "reaped"],
  completed: [],
  failed: [],
  reaped: [],
  cancelled: [],
  dropped: [],
};

/** A transition the state machine does not allow (HTTP 409). */
export class IllegalTransitionError extends GantryError {
  readonly from: JobState;
  readonly to: JobState;
  constructor(from: JobState, to: JobState, options?: { cause?: unknown }) {
    super("illegal_transition", `a job cannot go from "${from}" to "${to}"`, options);
    this.from = from;
    this.to = to;
  }
}

/** Whether `value` names a job state. */
export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && (JOB_STATES as readonly string[]).includes(value);
}

/** Whether a job in `from` may move to `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  // Guarded so a state read from storage that is not a JobState is simply "no".
  return Object.hasOwn(JOB_TRANSITIONS, from) && JOB_TRANSITIONS[from].includes(to);
}

/** A recorded state change. */
export interface JobTransition {
  from: JobState;
  to: JobState;
  /** When it happened, epoch milliseconds. */
  at: number;
  reason?: string;
}

/**
 * Records a move from `from` to `to` at `at` (epoch ms).
 *
 * @throws {IllegalTransitionError} when the move is not in {@link JOB_TRANSITIONS}.
 */
export function transition(
  from: JobState,
  to: JobState,
  at: number,
  reason?: string,
): JobTransition {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return reason === undefined ? { from, to, at } : { from, to, at, reason };
}

/** Whether a job in `state` is finished for good. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}
