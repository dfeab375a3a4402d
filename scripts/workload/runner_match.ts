/**
 * How GitHub hands queued jobs to idle self-hosted runners, as far as the
 * workload needs it: a runner takes the oldest queued job of its repository
 * whose `runs-on` labels it all carries (case-insensitively). A runner may so
 * take a different job than the one it was launched for.
 *
 * @module
 */

/** An idle runner, as registered (JIT config). */
export interface IdleRunner {
  name: string;
  /** `owner/name` the runner is registered to. */
  repo: string;
  labels: readonly string[];
}

/** A job waiting for a runner. */
export interface QueuedJob {
  id: number;
  repo: string;
  labels: readonly string[];
  /** When it was queued (epoch ms); ties go to the lower id. */
  queuedAt: number;
}

/** Whether `runner` may run `job`. */
export function canRun(runner: IdleRunner, job: QueuedJob): boolean {
  if (runner.repo.toLowerCase() !== job.repo.toLowerCase()) return false;
  const has = new Set(runner.labels.map((label) => label.toLowerCase()));
  return job.labels.every((label) => has.has(label.toLowerCase()));
}

/** The job GitHub would give `runner` now: the oldest it can run, or undefined. */
export function pickJobFor(
  runner: IdleRunner,
  queued: readonly QueuedJob[],
): QueuedJob | undefined {
  let oldest: QueuedJob | undefined;
  for (const job of queued) {
    if (!canRun(runner, job)) continue;
    if (
      oldest === undefined || job.queuedAt < oldest.queuedAt ||
      (job.queuedAt === oldest.queuedAt && job.id < oldest.id)
    ) {
      oldest = job;
    }
  }
  return oldest;
}
