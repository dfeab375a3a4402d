/**
 * The workflow jobs a test seeds, and the runs derived from them. A run exists
 * while at least one job names it; its status follows its jobs the way GitHub
 * rolls them up (all queued: queued; all completed: completed; else in
 * progress).
 *
 * @module
 */
import type { components } from "@octokit/openapi-types";
import { accountOf, githubTime, nodeId, repositoryOf, stableId } from "./accounts.ts";

/** A workflow job (`GET /repos/{owner}/{repo}/actions/jobs/{job_id}`). */
export type WorkflowJob = components["schemas"]["job"];
/** A workflow run (`GET /repos/{owner}/{repo}/actions/runs`). */
export type WorkflowRun = components["schemas"]["workflow-run"];

/**
 * What a test says about a job: its repository (`owner/name`), any job fields
 * to set, and whether it is a job of a reusable workflow (called by its run's
 * workflow; GitHub names it "caller / job").
 */
export type JobSeed = Partial<WorkflowJob> & { repo: string; isReusable?: boolean };

/** Why GitHub refuses a re-run. */
export type RerunRefusal =
  | "in_progress"
  | "reusable"
  | "not_latest"
  | "not_completed"
  | "no_failed_jobs";

function shaOf(seed: string): string {
  return Array.from({ length: 5 }, (_, i) => stableId(`${seed}#${i}`).toString(16).padStart(8, "0"))
    .join("");
}

/** Roll a run's status and conclusion up from its jobs. */
export function runStatusOf(jobs: WorkflowJob[]): { status: string; conclusion: string | null } {
  if (jobs.every((job) => job.status === "completed")) {
    const conclusions = jobs.map((job) => job.conclusion);
    const conclusion = conclusions.some((c) => c === "failure" || c === "timed_out")
      ? "failure"
      : conclusions.includes("cancelled")
      ? "cancelled"
      : "success";
    return { status: "completed", conclusion };
  }
  if (jobs.every((job) => job.status === "queued")) return { status: "queued", conclusion: null };
  if (jobs.every((job) => job.status === "queued" || job.status === "waiting")) {
    return { status: "waiting", conclusion: null };
  }
  return { status: "in_progress", conclusion: null };
}

/** The seeded jobs of every repository. */
export class WorkflowStore {
  /** Every job by id; tests may read it or `set` complete jobs built by {@link addJob}. */
  readonly jobs = new Map<number, WorkflowJob>();
  readonly #repoOfJob = new Map<number, string>();
  /** Jobs of reusable workflows. */
  readonly #reusable = new Set<number>();
  readonly #apiUrl: () => string;
  #nextJobId = 210_000_000;
  #nextRunId = 9_100_000;

  /** Jobs get API URLs under `apiUrl()` (read lazily: the port is known only once listening). */
  constructor(apiUrl: () => string) {
    this.#apiUrl = apiUrl;
  }

  /** Add a job, filling what the seed leaves out; returns the full job. */
  addJob(seed: JobSeed): WorkflowJob {
    const { repo, isReusable, ...fields } = seed;
    if (!/^[^/\s]+\/[^/\s]+$/.test(repo)) throw new Error(`repo must be "owner/name", got ${repo}`);
    const id = fields.id ?? this.#nextJobId++;
    const runId = fields.run_id ?? this.#nextRunId++;
    const api = `${this.#apiUrl()}/repos/${repo}`;
    const now = githubTime();
    const job: WorkflowJob = {
      id,
      run_id: runId,
      run_url: `${api}/actions/runs/${runId}`,
      run_attempt: 1,
      node_id: nodeId("CheckRun", id),
      head_sha: shaOf(`${repo}@${runId}`),
      url: `${api}/actions/jobs/${id}`,
      html_url: `https://github.com/${repo}/actions/runs/${runId}/job/${id}`,
      status: "queued",
      conclusion: null,
      created_at: now,
      started_at: now,
      completed_at: null,
      name: "build",
      steps: [],
      check_run_url: `${api}/check-runs/${id}`,
      labels: ["self-hosted"],
      runner_id: null,
      runner_name: null,
      runner_group_id: null,
      runner_group_name: null,
      workflow_name: "CI",
      head_branch: "main",
      ...fields,
    };
    this.jobs.set(id, job);
    this.#repoOfJob.set(id, repo);
    if (isReusable === true) this.#reusable.add(id);
    this.#nextJobId = Math.max(this.#nextJobId, id + 1);
    this.#nextRunId = Math.max(this.#nextRunId, runId + 1);
    return job;
  }

  /** Change fields of a job (say, to mark it in progress on a runner); returns it. */
  updateJob(id: number, patch: Partial<WorkflowJob>): WorkflowJob {
    const job = this.jobs.get(id);
    if (job === undefined) throw new Error(`no job ${id}`);
    Object.assign(job, patch, { id });
    return job;
  }

  /** The job `id` if it belongs to `repo`. */
  job(repo: string, id: number): WorkflowJob | undefined {
    const job = this.jobs.get(id);
    return job !== undefined && this.#repoOf(id, job).toLowerCase() === repo.toLowerCase()
      ? job
      : undefined;
  }

  /**
   * The jobs of run `runId` in `repo`, oldest first: of its latest attempt
   * (each job's newest try, as GitHub's `filter=latest`), or of every attempt.
   */
  jobsOfRun(repo: string, runId: number, filter: "latest" | "all" = "latest"): WorkflowJob[] {
    const all = [...this.jobs.entries()]
      .filter(([id, job]) =>
        job.run_id === runId && this.#repoOf(id, job).toLowerCase() === repo.toLowerCase()
      )
      .map(([, job]) => job);
    if (filter === "all") return all;
    const newest = new Map<string, WorkflowJob>();
    for (const job of all) {
      const seen = newest.get(job.name);
      if (!seen || (job.run_attempt ?? 1) >= (seen.run_attempt ?? 1)) newest.set(job.name, job);
    }
    return all.filter((job) => newest.get(job.name) === job);
  }

  /** Every repository (`owner/name`) with a seeded job, in the order first seen. */
  repos(): string[] {
    const repos = new Map<string, string>();
    for (const [id, job] of this.jobs) {
      const repo = this.#repoOf(id, job);
      if (!repos.has(repo.toLowerCase())) repos.set(repo.toLowerCase(), repo);
    }
    return [...repos.values()];
  }

  /** The runs of `repo`, newest first. */
  runs(repo: string): WorkflowRun[] {
    const runIds = new Set<number>();
    for (const [id, job] of this.jobs) {
      if (this.#repoOf(id, job).toLowerCase() === repo.toLowerCase()) runIds.add(job.run_id);
    }
    return [...runIds].sort((a, b) => b - a).map((runId) => this.run(repo, runId) as WorkflowRun);
  }

  /** Run `runId` of `repo`, derived from its jobs. */
  run(repo: string, runId: number): WorkflowRun | undefined {
    const jobs = this.jobsOfRun(repo, runId);
    if (jobs.length === 0) return undefined;
    const first = jobs[0];
    const api = `${this.#apiUrl()}/repos/${repo}`;
    const repository = repositoryOf(repo, { apiUrl: this.#apiUrl() });
    const actor = accountOf(repo.split("/")[0], { apiUrl: this.#apiUrl(), type: "User" });
    const runUrl = `${api}/actions/runs/${runId}`;
    const checkSuiteId = stableId(`suite:${repo}:${runId}`);
    const workflowPath = ".github/workflows/ci.yml";
    const workflowId = stableId(`${repo}:${workflowPath}`);
    const createdAt = jobs.map((job) => job.created_at).sort()[0];
    return {
      id: runId,
      name: first.workflow_name,
      node_id: nodeId("WorkflowRun", runId),
      check_suite_id: checkSuiteId,
      check_suite_node_id: nodeId("CheckSuite", checkSuiteId),
      head_branch: first.head_branch,
      head_sha: first.head_sha,
      path: workflowPath,
      run_number: runId % 10_000,
      run_attempt: Math.max(...jobs.map((job) => job.run_attempt ?? 1)),
      event: "push",
      ...runStatusOf(jobs),
      workflow_id: workflowId,
      url: runUrl,
      html_url: `https://github.com/${repo}/actions/runs/${runId}`,
      pull_requests: [],
      created_at: createdAt,
      updated_at: githubTime(),
      actor,
      triggering_actor: actor,
      run_started_at: createdAt,
      jobs_url: `${runUrl}/jobs`,
      logs_url: `${runUrl}/logs`,
      check_suite_url: `${api}/check-suites/${checkSuiteId}`,
      artifacts_url: `${runUrl}/artifacts`,
      cancel_url: `${runUrl}/cancel`,
      rerun_url: `${runUrl}/rerun`,
      previous_attempt_url: null,
      workflow_url: `${api}/actions/workflows/${workflowId}`,
      head_commit: {
        id: first.head_sha,
        tree_id: shaOf(`tree:${first.head_sha}`),
        message: `Commit for run ${runId}`,
        timestamp: createdAt,
        author: { name: actor.login, email: `${actor.login}@example.com` },
        committer: { name: "GitHub", email: "noreply@github.com" },
      },
      repository,
      head_repository: repository,
      head_repository_id: stableId(repo),
      display_title: `Commit for run ${runId}`,
      referenced_workflows: jobs.some((job) => this.#reusable.has(job.id))
        ? [{
          path: `${repo}/.github/workflows/reusable.yml@main`,
          sha: first.head_sha,
          ref: "main",
        }]
        : [],
    };
  }

  /** Every job with its repository (`owner/name`). */
  *withRepos(): Generator<[WorkflowJob, string]> {
    for (const [id, job] of this.jobs) yield [job, this.#repoOf(id, job)];
  }

  /** Whether job `id` belongs to a reusable workflow. */
  isReusable(id: number): boolean {
    return this.#reusable.has(id);
  }

  /**
   * Queue a completed job again in a new attempt of its run, as
   * `POST .../jobs/{id}/rerun` does: GitHub gives the new try a new job id
   * (the old one stays, completed). Returns the new job, or why GitHub
   * refuses: the run is still in progress, the job belongs to a reusable
   * workflow, or it is not completed or not its run's latest try.
   */
  rerunJob(id: number): WorkflowJob | RerunRefusal {
    const job = this.jobs.get(id);
    if (job === undefined || job.status !== "completed") return "not_completed";
    const repo = this.#repoOf(id, job);
    const latest = this.jobsOfRun(repo, job.run_id);
    if (!latest.includes(job)) return "not_latest";
    if (runStatusOf(latest).status !== "completed") return "in_progress";
    if (this.#reusable.has(id)) return "reusable";
    return this.#requeue(repo, [job])[0];
  }

  /**
   * Queue every failed or cancelled job of a completed run again, in one new
   * attempt, as `POST .../runs/{id}/rerun-failed-jobs` does (reusable
   * workflows' jobs too). Returns the new jobs, or why GitHub refuses.
   */
  rerunFailedJobs(repo: string, runId: number): WorkflowJob[] | RerunRefusal | "not_found" {
    const latest = this.jobsOfRun(repo, runId);
    if (latest.length === 0) return "not_found";
    if (runStatusOf(latest).status !== "completed") return "in_progress";
    const failed = latest.filter((job) =>
      job.conclusion === "failure" || job.conclusion === "cancelled" ||
      job.conclusion === "timed_out"
    );
    if (failed.length === 0) return "no_failed_jobs";
    return this.#requeue(repo, failed);
  }

  /** New queued tries of `jobs`, all in the run's next attempt. */
  #requeue(repo: string, jobs: WorkflowJob[]): WorkflowJob[] {
    const now = githubTime();
    const runId = jobs[0].run_id;
    const attempt = Math.max(...this.jobsOfRun(repo, runId, "all").map((j) => j.run_attempt ?? 1)) +
      1;
    return jobs.map((job) => {
      const { id, url: _url, html_url: _html, node_id: _node, check_run_url: _check, ...rest } =
        job;
      return this.addJob({
        ...rest,
        repo,
        isReusable: this.#reusable.has(id),
        status: "queued",
        conclusion: null,
        run_attempt: attempt,
        created_at: now,
        started_at: now,
        completed_at: null,
        steps: [],
        runner_id: null,
        runner_name: null,
        runner_group_id: null,
        runner_group_name: null,
      });
    });
  }

  #repoOf(id: number, job: WorkflowJob): string {
    return this.#repoOfJob.get(id) ??
      /\/repos\/([^/]+\/[^/]+)\/actions\/jobs\//.exec(job.url)?.[1] ?? "";
  }
}
