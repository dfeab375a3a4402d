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

/** How long Gantry waits for an interrupted job's run to complete before it gives up: 6 hours. */
export const RERUN_WAIT_MS = 6 * 3600_000;

/** When to ask GitHub for the re-run. */
export type RerunTiming =
  | { kind: "now" }
  | { kind: "wait"; reason: string }
  | { kind: "give_up"; reason: string };

/**
 * GitHub re-runs a job only once its workflow run has completed (403
 * before), so the re-run waits for the run, a bounded time from when the
 * interrupted job completed.
 */
export function rerunTiming(
  run: { status: string } | null,
  completedAt: number | null,
  now: number,
  maxWaitMs = RERUN_WAIT_MS,
): RerunTiming {
  if (run === null) return { kind: "give_up", reason: "GitHub no longer knows the workflow run" };
  if (run.status === "completed") return { kind: "now" };
  const waited = now - (completedAt ?? now);
  if (waited >= maxWaitMs) {
    return {
      kind: "give_up",
      reason: `the workflow run was still ${run.status} ${
        Math.round(waited / 60_000)
      } min after the job ended`,
    };
  }
  return { kind: "wait", reason: `the workflow run is ${run.status}` };
}
