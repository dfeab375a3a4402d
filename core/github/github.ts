/**
 * What Gantry asks of GitHub, whatever answers it: the GitHub App in
 * production (./github_app.ts), a fake in tests.
 */
import { GantryError } from "../../shared/errors.ts";
import type { JobFacts } from "../../shared/schema/edge_core.ts";

/** A repository and the App installation that can see it (looked up when null). */
export interface RepoRef {
  repoFullName: string;
  installationId: number | null;
}

/** Where runners register: the repository, or its organisation (org-scoped projects). */
export type RunnerScope = "repo" | "org";

export interface JitConfigRequest extends RepoRef {
  runnerName: string;
  labels: readonly string[];
  /** Default "repo". */
  scope?: RunnerScope;
  /** The runner group (org scope only); default 1, GitHub's Default group. */
  runnerGroupId?: number;
  /** Told each time GitHub rate-limits this call (it is retried after the window). */
  onRateLimited?: () => void;
}

export interface JitConfig {
  runnerId: number;
  encodedJitConfig: string;
  /**
   * Where the runner registered. An org registration GitHub refuses with 404
   * (the owner is a user account) or 403 (the App lacks the org runner
   * permission) falls back to the repository.
   */
  scope: RunnerScope;
}

/**
 * GitHub refused a runner registration for good: 403 "Resource not accessible
 * by integration" (the App lacks a permission, or an org policy disables
 * self-hosted runners for the repository), or 404 (the App cannot see the
 * repository). Asking again gets the same answer.
 */
export class RunnerRefusedError extends GantryError {
  constructor(message: string, readonly status: number, options?: { cause?: unknown }) {
    super("runner_refused", message, options);
  }
}

/** One entry of the App's webhook delivery log. */
export interface HookDelivery {
  id: number;
  guid: string;
  deliveredAt: number;
  isRedelivery: boolean;
  statusCode: number;
  event: string;
  action: string | null;
}

/** What removing a runner came to. GitHub refuses while the runner runs a job. */
export type RunnerRemoval = "removed" | "not_found" | "busy";

export interface RunnerRef extends RepoRef {
  runnerName: string;
  scope?: RunnerScope;
}

/** What the scheduler, reaper and reconciler need from GitHub. */
export interface GitHub {
  generateJitConfig(request: JitConfigRequest): Promise<JitConfig>;
  /** Deletes the runner called `runnerName`, found by name. */
  removeRunner(ref: RunnerRef): Promise<RunnerRemoval>;
  /** The App's webhook deliveries delivered at or after `since` (epoch ms), newest first. */
  deliveriesSince(since: number): Promise<HookDelivery[]>;
  /** Asks GitHub to deliver `deliveryId` again. */
  redeliver(deliveryId: number): Promise<void>;
  /** Full names of the repositories of `org` that the App's installation there can see. */
  reposOfOrg(org: string): Promise<string[]>;
  /** Jobs of the repo that GitHub has queued (in queued and in-progress runs). */
  queuedJobs(repo: RepoRef): Promise<JobFacts[]>;
  /** One job as GitHub sees it now; null when GitHub does not know it. */
  job(
    repo: RepoRef,
    githubJobId: number,
  ): Promise<JobFacts | null>;
  /** The jobs of a run's latest attempt. */
  jobsOfRun(
    repo: RepoRef,
    runId: number,
  ): Promise<JobFacts[]>;
  /**
   * Re-runs one job (a new attempt of its run with that job queued again).
   * "refused" when GitHub will not (already re-run, or not its run's latest try).
   */
  rerunJob(
    repo: RepoRef,
    githubJobId: number,
  ): Promise<"rerun" | "refused">;
  /** A workflow run's status ("queued", "in_progress", "completed", …); null when GitHub does not know it. */
  workflowRun(
    repo: RepoRef,
    runId: number,
  ): Promise<{ status: string; conclusion: string | null } | null>;
  /**
   * Re-runs every failed job of a completed run in a new attempt: the way to
   * re-run a job of a reusable workflow, which GitHub will not re-run alone.
   */
  rerunFailedJobs(
    repo: RepoRef,
    runId: number,
  ): Promise<"rerun" | "refused">;
  /** The fewest API calls left in any rate-limit window seen lately; null before the first call. */
  rateRemaining(): number | null;
}
