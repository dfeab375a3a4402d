/**
 * How GitHub hands a queued job to a self-hosted runner: to an online, idle
 * runner that the job's repository may use (registered with the repository,
 * or with its organisation) whose labels contain every label of the job's
 * `runs-on`, compared case-insensitively and otherwise exactly ("Choosing the
 * runner for a job" and "Using labels with self-hosted runners" in GitHub's
 * Actions docs). A job no runner fits stays queued: on GitHub it waits, up to
 * a day, and then fails.
 *
 * @module
 */
import { githubTime } from "./accounts.ts";
import type { RegisteredRunner } from "./runners.ts";
import type { WorkflowJob } from "./workflows.ts";

/** One job given to one runner. */
export interface Assignment {
  jobId: number;
  runnerId: number;
  runnerName: string;
}

/** Whether a runner with `runnerLabels` may take a job asking for `jobLabels`. */
export function labelsFit(jobLabels: readonly string[], runnerLabels: readonly string[]): boolean {
  const offered = new Set(runnerLabels.map((label) => label.toLowerCase()));
  return jobLabels.every((label) => offered.has(label.toLowerCase()));
}

/** Whether `runner` is registered where `repo` (`owner/name`) may use it. */
function serves(runner: RegisteredRunner, repo: string): boolean {
  const [owner, name] = repo.toLowerCase().split("/");
  return runner.scope.owner.toLowerCase() === owner &&
    (runner.scope.repo === null || runner.scope.repo.toLowerCase() === name);
}

/**
 * Gives each queued job, oldest first, to the longest-registered fitting
 * runner, marking the job in progress and the runner busy. Returns what it did.
 */
export function assignQueuedJobs(
  jobs: Iterable<[WorkflowJob, string]>,
  runners: readonly RegisteredRunner[],
  now = Date.now(),
): Assignment[] {
  const queued = [...jobs].filter(([job]) => job.status === "queued")
    .sort(([a], [b]) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  const assignments: Assignment[] = [];
  for (const [job, repo] of queued) {
    const runner = runners.find((candidate) =>
      candidate.runner.status === "online" && !candidate.runner.busy && serves(candidate, repo) &&
      labelsFit(job.labels, candidate.runner.labels.map((label) => label.name))
    );
    if (runner === undefined) continue;
    runner.runner.busy = true;
    Object.assign(job, {
      status: "in_progress",
      started_at: githubTime(now),
      runner_id: runner.runner.id,
      runner_name: runner.runner.name,
      runner_group_id: runner.runner.runner_group_id ?? 1,
      runner_group_name: "Default",
    });
    assignments.push({ jobId: job.id, runnerId: runner.runner.id, runnerName: runner.runner.name });
  }
  return assignments;
}
