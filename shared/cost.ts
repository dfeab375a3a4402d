/**
 * What a job's runner cost. Amounts stay unrounded through every sum;
 * {@link formatUsd} is the only place that rounds, for display.
 *
 * @module
 */

import { InvalidError } from "./errors.ts";

/**
 * Cost of running at `pricePerHourUsd` for `elapsedSeconds`: price × seconds / 3600.
 *
 * @throws {InvalidError} when either input is negative or not a finite number.
 */
export function costUsd(pricePerHourUsd: number, elapsedSeconds: number): number {
  const issues = [
    ...nonNegative("pricePerHourUsd", pricePerHourUsd),
    ...nonNegative("elapsedSeconds", elapsedSeconds),
  ];
  if (issues.length > 0) {
    throw new InvalidError(issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  }
  return (pricePerHourUsd * elapsedSeconds) / 3600;
}

/**
 * Seconds from `startMs` to `endMs` (epoch ms), never negative: a clock that
 * went backwards counts as 0.
 *
 * @throws {InvalidError} when either time is not a finite number.
 */
export function elapsedSeconds(startMs: number, endMs: number): number {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) {
    throw new InvalidError("elapsedSeconds: start and end must be finite epoch milliseconds");
  }
  return Math.max(0, endMs - startMs) / 1000;
}

/** One job's inputs to a cost summary; `pricePerHourUsd` is null when no price was quoted. */
export interface CostInput {
  pricePerHourUsd: number | null;
  runtimeSeconds: number;
}

/** Total cost of some jobs. */
export interface CostSummary {
  /** Sum over quoted jobs: a floor when any job is unquoted. */
  totalUsd: number;
  quotedJobs: number;
  unquotedJobs: number;
}

/** Sums job costs; a job with no price adds 0 and counts as unquoted. */
export function summarizeCost(jobs: Iterable<CostInput>): CostSummary {
  let totalUsd = 0;
  let quotedJobs = 0;
  let unquotedJobs = 0;
  for (const job of jobs) {
    if (job.pricePerHourUsd === null) {
      unquotedJobs++;
      continue;
    }
    totalUsd += costUsd(job.pricePerHourUsd, job.runtimeSeconds);
    quotedJobs++;
  }
  return { totalUsd, quotedJobs, unquotedJobs };
}

/**
 * Formats dollars for people: "$12.35", "$0.00" for zero, and four decimals
 * ("$0.0042") for non-zero amounts under a cent so small jobs do not read as free.
 */
export function formatUsd(amount: number): string {
  if (amount === 0) return "$0.00";
  const sign = amount < 0 ? "-" : "";
  const magnitude = Math.abs(amount);
  const digits = magnitude < 0.01 ? 4 : 2;
  return `${sign}$${magnitude.toFixed(digits)}`;
}

function nonNegative(path: string, value: number): { path: string; message: string }[] {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return [{ path, message: "must be a finite number" }];
  }
  if (value < 0) return [{ path, message: "must not be negative" }];
  return [];
}
