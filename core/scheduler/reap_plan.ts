/**
 * Which instances to terminate and which jobs to give up on, decided from
 * data alone so every rule has a table-driven test.
 */
import type { MachineState } from "../providers/provider.ts";
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
  /**
   * Since when its runner has had nothing to do: the job it was launched for
   * went to another runner (stolen) or ended without running (cancelled while
   * queued), and no other job runs here. Absent: busy, or its own job ran here.
   */
  idleSince?: number | null;
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
  /**
   * An idle runner (its job ran elsewhere) is reaped after this; default never,
   * except that one whose job ended without running waits a boot timeout.
   */
  idleTimeoutMs?: number;
  /** Tagged instances unknown to the database are spared this long (a launch not yet recorded). */
  orphanGraceMs?: number;
  /**
   * An instance the books closed that EC2 still lists running is spared this
   * long after it was closed (EC2 may show a state from a moment ago).
   */
  stillRunningGraceMs?: number;
}

export type ReapReason = "job-finished" | "max-runtime" | "never-started" | "idle" | "orphan";

export interface Termination {
  instanceId: string;
  reason: ReapReason;
  detail: string;
  /** The job to mark reaped alongside, when it is still live. */
  jobId: string | null;
}

/** Whether the machine is gone or going, whoever ended it. */
export function isEnded(machine: MachineState): boolean {
  return ["shutting-down", "terminated", "stopping", "stopped", "gone"].includes(machine.state);
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
    const isLaunchJobOver = instance.jobState !== null && isTerminal(instance.jobState);
    // Its runner may run a stolen job whose in_progress is late: idle rules only.
    const idleGraceMs = policy.idleTimeoutMs ??
      (isLaunchJobOver ? policy.bootTimeoutMs : undefined);
    if (isLaunchJobOver && instance.idleSince == null) {
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
    } else if (
      instance.idleSince != null && idleGraceMs !== undefined &&
      policy.now - instance.idleSince > idleGraceMs
    ) {
      terminations.push({
        instanceId: instance.id,
        reason: "idle",
        detail: `idle for over ${Math.round(idleGraceMs / 60_000)} min: job ${instance.jobId} ${
          isLaunchJobOver
            ? `ended (${instance.jobState}) without running here`
            : "ran on another runner"
        }`,
        // The job it was launched for runs elsewhere or is over: leave it be.
        jobId: null,
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
  const graceMs = policy.orphanGraceMs ?? 5 * 60_000;
  return managed
    .filter((instance) => !known.has(instance.id) && policy.now - instance.launchedAt > graceMs)
    .map((instance) => ({
      instanceId: instance.id,
      reason: "orphan" as const,
      detail: "tagged gantry:managed but unknown to the database",
      jobId: null,
    }));
}

/**
 * Instances EC2 lists as live with Gantry's tag that the books hold as
 * terminated: a terminate that did not take (NotFound on an id EC2 had not
 * propagated yet), or a row closed on a wrong belief. Nothing else would
 * ever look at them again, so they are terminated as orphans.
 */
export function planStillRunning(
  managed: readonly { id: string; launchedAt: number }[],
  terminatedAt: ReadonlyMap<string, number>,
  policy: ReapPolicy,
): Termination[] {
  const graceMs = policy.stillRunningGraceMs ?? 2 * 60_000;
  return managed
    .filter((instance) => {
      const closedAt = terminatedAt.get(instance.id);
      return closedAt !== undefined && policy.now - closedAt > graceMs;
    })
    .map((instance) => ({
      instanceId: instance.id,
      reason: "orphan" as const,
      detail: "terminated in the books but EC2 still lists it running",
      jobId: null,
    }));
}

/**
 * Jobs that never got past launching, or past starting: a starting job is
 * normally reaped with its instance at the boot timeout; one still starting a
 * TTL after that has lost its instance some other way.
 */
export function planStuckJobs(jobs: readonly PendingJob[], policy: ReapPolicy): StuckJob[] {
  const ttlOf = (state: JobState) =>
    state === "starting" ? policy.bootTimeoutMs + policy.stuckLaunchMs : policy.stuckLaunchMs;
  return jobs
    .filter((job) =>
      (job.state === "claimed" || job.state === "launching" || job.state === "starting") &&
      policy.now - job.updatedAt > ttlOf(job.state)
    )
    .map((job) => ({
      jobId: job.id,
      from: job.state,
      detail: `stuck in ${job.state} for over ${Math.round(ttlOf(job.state) / 60_000)} min`,
    }));
}
