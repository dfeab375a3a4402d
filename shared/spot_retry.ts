/**
 * Spot interruptions: a job whose spot instance was reclaimed fails on
 * GitHub through no fault of its own. Gantry re-runs it, on-demand, a
 * bounded number of times. These are the decisions, as data.
 *
 * @module
 */

/** What the decisions read from a job row. */
export interface SpotRetryFacts {
  /** When the interruption notice (or EC2's state) was seen; null if never. */
  interruptedAt: number | null;
  /** Re-runs already spent on this job's line of attempts. */
  spotRetries: number;
  /** Set on a re-run Gantry asked for after an interruption. */
  isForcedOnDemand: boolean;
}

/**
 * Whether this job must launch on-demand whatever its pool says: it is the
 * re-run of an attempt a spot interruption killed. The launcher calls this
 * before choosing the market.
 */
export function isForcedOnDemand(job: Pick<SpotRetryFacts, "isForcedOnDemand">): boolean {
  return job.isForcedOnDemand;
}

/** Whether to re-run a finished job, and with how many retries spent on the new attempt. */
export type RerunDecision =
  | { kind: "rerun"; spotRetries: number }
  | { kind: "none"; reason: string };

/**
 * A job is re-run when it was interrupted and GitHub concluded it failed
 * (a cancelled or successful job is left alone), while retries remain.
 */
export function rerunDecision(
  job: Pick<SpotRetryFacts, "interruptedAt" | "spotRetries">,
  conclusion: string | null,
  maxRetries: number,
): RerunDecision {
  if (job.interruptedAt === null) return { kind: "none", reason: "not interrupted" };
  if (conclusion !== "failure") {
    return { kind: "none", reason: `conclusion ${conclusion ?? "none"}, not failure` };
  }
  if (job.spotRetries >= maxRetries) {
    return { kind: "none", reason: `spot retries exhausted (${job.spotRetries} of ${maxRetries})` };
  }
  return { kind: "rerun", spotRetries: job.spotRetries + 1 };
}
