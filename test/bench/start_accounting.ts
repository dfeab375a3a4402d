/**
 * The start bench's arithmetic: a job's real wait turned back into
 * simulated time, and Gantry's own share of it. Pure.
 *
 * The bench plays EC2's and GitHub's modelled delays scaled down (16 s of
 * pending in 1.6 s at scale 0.1), but Gantry runs at its real speed: a
 * webhook takes the edge and the core as many real milliseconds as it ever
 * would. So a job's wait is not simply its real wait divided by the scale,
 * which would inflate Gantry's 100 ms to a simulated second. Instead, each
 * modelled delay the job waited through (a {@link ModelledSpan}: where it lay
 * on the wall clock, and how long it stands for) counts at its simulated
 * length, for the part of it inside the job's wait; every other real
 * millisecond — Gantry, the webhooks' and the vault's HTTP, the harness's own
 * timers firing late — counts as itself, one for one. What cannot be told
 * apart from Gantry is thus charged to it: the figure errs slow, never fast.
 */
import type { ModelledSpan } from "../support/simulated_runners.ts";
import { percentile } from "./figure.ts";

/** A job's wait on the wall clock, and the modelled delays that may fall in it. */
export interface JobWait {
  /** When GitHub queued it, epoch ms. */
  queuedAt: number;
  /** When a runner took it, epoch ms. */
  startedAt: number;
  /** The spans of the runner that took it (pending, boot, start-up) and of its assignment. */
  spans: readonly ModelledSpan[];
}

/**
 * A job's wait split in two: the simulated ms of modelled delay inside it
 * (each span's overlap with the wait, stretched from its real length to its
 * simulated one), and the real ms outside every span (Gantry, HTTP, the
 * harness). A span of no real length (a scale so small it rounds away)
 * counts whole when it lies inside the wait.
 */
export function splitWait(job: JobWait): { modelledMs: number; unmodelledMs: number } {
  const { queuedAt, startedAt } = job;
  let modelledMs = 0;
  let coveredMs = 0;
  for (const span of job.spans) {
    const realMs = span.to - span.from;
    if (realMs <= 0) {
      if (span.from >= queuedAt && span.from <= startedAt) modelledMs += span.simulatedMs;
      continue;
    }
    const overlapMs = Math.max(0, Math.min(span.to, startedAt) - Math.max(span.from, queuedAt));
    coveredMs += overlapMs;
    modelledMs += overlapMs * (span.simulatedMs / realMs);
  }
  return { modelledMs, unmodelledMs: startedAt - queuedAt - coveredMs };
}

/** Queued → job started in simulated ms: its modelled delays at length, plus every other real ms. */
export function simulatedWaitMs(job: JobWait): number {
  const { modelledMs, unmodelledMs } = splitWait(job);
  return modelledMs + unmodelledMs;
}

/** What Gantry did for a job, in real ms. */
export interface GantryWork {
  /** When GitHub queued the job (its webhook went out), epoch ms. */
  queuedAt: number;
  /** When the core sent the job's launch call (job_stages `launch_sent`); absent when none went out. */
  launchSentAt?: number;
  /** The runner vault's hand-out to the runner that took the job, ms. */
  vaultMs?: number;
}

/**
 * Gantry's own share of a job's start, real ms, never scaled: webhook out →
 * launch call sent (the edge, the lease, admission, gathering, the call's
 * preparation) plus the vault's hand-out of the JIT config.
 */
export function gantryShareMs(work: GantryWork): number {
  const toLaunch = work.launchSentAt === undefined ? 0 : work.launchSentAt - work.queuedAt;
  return Math.max(0, toLaunch) + (work.vaultMs ?? 0);
}

/** The figures of one kind of pool. */
export interface StartSummary {
  /** Jobs that started. */
  started: number;
  p50S: number;
  p95S: number;
  gantryShareP99Ms: number;
}

/** Percentiles of simulated waits (ms in, seconds out) and of Gantry's shares. */
export function summarize(
  waitsMs: readonly number[],
  sharesMs: readonly number[],
): StartSummary {
  return {
    started: waitsMs.length,
    p50S: percentile(waitsMs, 50) / 1000,
    p95S: percentile(waitsMs, 95) / 1000,
    gantryShareP99Ms: percentile(sharesMs, 99),
  };
}
