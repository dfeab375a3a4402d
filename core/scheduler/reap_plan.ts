/**
 * Which instances to terminate and which jobs to give up on, decided from
 * data alone so every rule has a table-driven test.
 */
import type { JobState } from "../../shared/job_state.ts";
import { isTerminal } from "../../shared/job_state.ts";

export interface LiveInstance {
  id: string;
  launchedAt: number;
  /** The job this instance was launched for, and the one it runs now (may differ). */
  jobId: string | null;
  jobState: JobState | null;
  /** Minutes this instance may live (pool override or the default). */
  maxRuntimeMinutes: number;
}

export interface PendingJob {
  id: string;
  state: JobState;
  updatedAt: number;
}

export interface ReapPolicy {
  now: number;
  bootTimeoutMs: number;
  /** Jobs in claimed or launching longer than this have failed to launch. */
  stuckLaunchMs: number;
}

export type ReapReason = "job-finished" | "max-runtime" | "never-started" | "orphan";

export interface Termination {
  instanceId: string;
  reason: ReapReason;
  detail: string;
  /** The job to mark reaped alongside, when it is still live. */
  jobId: string | null;
}

export interface StuckJob {
  jobId: string;
  from: JobState;
  detail: string;
}

/** Instances that should not be running any more. */
export function planTerminations(
  instances: readonly LiveInstance[],
  policy: ReapPolicy,
): Termination[] {
  const terminations: Termination[] = [];
  for (const instance of instances) {
    const age = policy.now - instance.launchedAt;
    const ageMinutes = Math.floor(age / 60_000);
    if (instance.jobState !== null && isTerminal(instance.jobState)) {
      terminations.push({
        instanceId: instance.id,
        reason: "job-finished",
        detail: `job ${instance.jobId} is ${instance.jobState}`,
        jobId: null,
      });
    } else if (age > instance.maxRuntimeMinutes * 60_000) {
      terminations.push({
        instanceId: instance.id,
        reason: "max-runtime",
        detail: `running ${ageMinutes} min, past the pool's ${instance.maxRuntimeMinutes} min`,
        jobId: instance.jobId,
      });
    } else if (
      (instance.jobState === "starting" || instance.jobState === "launching") &&
      age > policy.bootTimeoutMs
    ) {
      terminations.push({
        instanceId: instance.id,
        reason: "never-started",
        detail: `runner did not start within ${Math.round(policy.bootTimeoutMs / 1000)} s`,
        jobId: instance.jobId,
      });
    }
  }
  return terminations;
}

/** Instances the provider reports as Gantry's but the database does not know. */
export function planOrphans(
  managed: readonly { id: string; launchedAt: number }[],
  known: ReadonlySet<string>,
  policy: ReapPolicy,
): Termination[] {
  // A launch in flight is recorded right after the call returns; spare the young.
  const graceMs = 5 * 60_000;
  return managed
    .filter((instance) => !known.has(instance.id) && policy.now - instance.launchedAt > graceMs)
    .map((instance) => ({
      instanceId: instance.id,
      reason: "orphan" as const,
      detail: "tagged gantry:managed but unknown to the database",
      jobId: null,
    }));
}

/** Jobs that never got past launching. */
export function planStuckJobs(jobs: readonly PendingJob[], policy: ReapPolicy): StuckJob[] {
  return jobs
    .filter((job) =>
      (job.state === "claimed" || job.state === "launching") &&
      policy.now - job.updatedAt > policy.stuckLaunchMs
    )
    .map((job) => ({
      jobId: job.id,
      from: job.state,
      detail: `stuck in ${job.state} for over ${Math.round(policy.stuckLaunchMs / 60_000)} min`,
    }));
}
