/**
 * GitHub Actions as the workload plays it, over the GitHub fake's state: jobs
 * are queued into the fake (so the API shows them, as GitHub's would), idle
 * runners take the oldest matching job, jobs run for their planned time, and
 * every change of a job's status is sent to the edge as a signed
 * `workflow_job` webhook — except a `queued` webhook the plan drops.
 *
 * The fake's job list is the truth: a job someone else queues again there
 * (a re-run asked through the API) is announced and dispatched like any other.
 *
 * @module
 */
import type { GithubFake, WorkflowJob } from "../../test/support/github/fake.ts";
import { postWebhook, workflowJobPayload } from "../../test/support/webhooks.ts";
import type { PlannedJob, RunEvent } from "./day_plan.ts";
import type { RegisteredRunner } from "./runner_agent.ts";
import { pickJobFor, type QueuedJob } from "./runner_match.ts";

/** Where webhooks go and how they are signed. */
export interface ActionsOptions {
  github: GithubFake;
  edgeUrl: string;
  webhookSecret: string;
  installationId: number;
  log: (line: string) => void;
  /** Called when a job completes (any conclusion); `runnerName` is null if it never ran. */
  onCompleted?: (jobId: number, conclusion: string, runnerName: string | null) => void;
  /** Called when a runner takes a job (it is in progress from now on). */
  onStarted?: (jobId: number, runnerName: string) => void;
  /**
   * How long GitHub takes to hand `jobId` to the idle runner it matched, ms
   * (the start bench's model); default 0: at once. Meanwhile neither takes
   * another match.
   */
  assignmentDelayMs?: (jobId: number, runnerName: string) => number;
}

/** What an online runner is told. */
export interface RunnerHooks {
  /** The runner finished its one job (ephemeral runners exit after one). */
  onFinished(): void;
}

/** Counters for the workload's progress line. */
export interface ActionsStats {
  queued: number;
  running: number;
  completed: number;
  cancelled: number;
  failed: number;
  droppedWebhooks: number;
  lostRunners: number;
  idleRunners: number;
}

type Action = "queued" | "in_progress" | "completed";

/** A job queued again through the API (a re-run) runs this long. */
const RERUN_DURATION_MS = 5_000;

export class SimulatedActions {
  readonly #options: ActionsOptions;
  readonly #scripts = new Map<number, PlannedJob>();
  readonly #repoOf = new Map<number, string>();
  readonly #queuedAt = new Map<number, number>();
  /** `id:attempt:action` of every webhook sent (or deliberately dropped). */
  readonly #announced = new Set<string>();
  /** Webhooks of one job go out in order. */
  readonly #sending = new Map<number, Promise<void>>();
  readonly #idle = new Map<string, { runner: RegisteredRunner; hooks: RunnerHooks }>();
  readonly #busy = new Map<
    string,
    { jobId: number; hooks: RunnerHooks; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** Jobs matched to a runner, waiting for GitHub's assignment delay. */
  readonly #assigning = new Map<
    number,
    { runnerName: string; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #stats = { completed: 0, cancelled: 0, failed: 0, droppedWebhooks: 0, lostRunners: 0 };
  #isStopped = false;

  constructor(options: ActionsOptions) {
    this.#options = options;
  }

  /** Queues a run's jobs in GitHub and announces them; returns their job ids. */
  queueRun(run: RunEvent): number[] {
    const { github } = this.#options;
    let runId: number | undefined;
    const ids = run.jobs.map((planned) => {
      const job = github.addJob({
        repo: run.repo,
        ...(runId === undefined ? {} : { run_id: runId }),
        name: planned.name,
        labels: planned.labels,
        workflow_name: run.workflow,
        head_branch: run.branch,
        status: "queued",
      });
      runId = job.run_id;
      this.#scripts.set(job.id, planned);
      this.#repoOf.set(job.id, run.repo);
      this.#queuedAt.set(job.id, Date.now());
      if (planned.isWebhookDropped) {
        this.#announced.add(keyOf(job, "queued"));
        this.#stats.droppedWebhooks++;
        this.#options.log(`dropped the queued webhook of job ${job.id} (${run.repo})`);
      } else {
        this.#announce(job, "queued");
      }
      return job.id;
    });
    this.dispatch();
    return ids;
  }

  /** Announces jobs queued in GitHub that were never announced (re-runs), then dispatches. */
  sync(): void {
    for (const job of this.#options.github.jobs.values()) {
      if (job.status !== "queued" || this.#announced.has(keyOf(job, "queued"))) continue;
      if (!this.#queuedAt.has(job.id) || (job.run_attempt ?? 1) > 1) {
        this.#queuedAt.set(job.id, Date.now());
      }
      this.#announce(job, "queued");
    }
    this.dispatch();
  }

  /** A runner came online: it takes a job now or waits for one. */
  runnerOnline(runner: RegisteredRunner, hooks: RunnerHooks): void {
    if (this.#isStopped) return;
    this.#options.github.updateRunner(runner.id, { status: "online", busy: false });
    this.#idle.set(runner.name, { runner, hooks });
    this.dispatch();
  }

  /** Whether the named runner is running a job. */
  isBusy(runnerName: string): boolean {
    return this.#busy.has(runnerName);
  }

  /**
   * A runner's machine went away (spot interruption, terminated): an idle
   * runner just disappears; a busy one's job fails, as GitHub fails a job
   * whose runner stops answering.
   */
  runnerLost(runnerName: string): void {
    this.#idle.delete(runnerName);
    for (const [jobId, assigning] of this.#assigning) {
      if (assigning.runnerName !== runnerName) continue;
      clearTimeout(assigning.timer);
      this.#assigning.delete(jobId);
      this.dispatch();
    }
    const busy = this.#busy.get(runnerName);
    if (!busy) return;
    this.#stats.lostRunners++;
    this.#finish(runnerName, "failure", { isRunnerLost: true });
  }

  /** Cancels jobs: queued ones complete as cancelled with no runner, running ones on theirs. */
  cancel(jobIds: readonly number[]): void {
    for (const id of jobIds) {
      const job = this.#options.github.jobs.get(id);
      if (!job || job.status === "completed") continue;
      if (job.status === "in_progress" && job.runner_name && this.#busy.has(job.runner_name)) {
        this.#finish(job.runner_name, "cancelled");
        continue;
      }
      this.#complete(job, "cancelled");
    }
  }

  /** Hands queued jobs to idle runners, oldest runner first. */
  dispatch(): void {
    if (this.#isStopped || this.#idle.size === 0) return;
    const queued = this.#queuedJobs();
    for (const [name, { runner, hooks }] of this.#idle) {
      const job = pickJobFor(runner, queued);
      if (!job) continue;
      queued.splice(queued.indexOf(job), 1);
      this.#idle.delete(name);
      const delayMs = this.#options.assignmentDelayMs?.(job.id, runner.name) ?? 0;
      if (delayMs <= 0) this.#start(job.id, runner, hooks);
      else this.#assignLater(job.id, { runner, hooks }, delayMs);
    }
  }

  /** GitHub's assignment delay: the pair is reserved, then the job starts unless it went away. */
  #assignLater(
    jobId: number,
    idle: { runner: RegisteredRunner; hooks: RunnerHooks },
    delayMs: number,
  ): void {
    const timer = setTimeout(() => {
      this.#assigning.delete(jobId);
      if (this.#isStopped) return;
      if (this.#options.github.jobs.get(jobId)?.status === "queued") {
        // Removed meanwhile (a warm pool retiring its surplus): GitHub offers the job to another.
        if (!this.#options.github.runners().some((r) => r.runner.id === idle.runner.id)) {
          this.dispatch();
          return;
        }
        this.#start(jobId, idle.runner, idle.hooks);
        return;
      }
      // Cancelled meanwhile: the runner is idle again.
      this.#idle.set(idle.runner.name, idle);
      this.dispatch();
    }, delayMs);
    this.#assigning.set(jobId, { runnerName: idle.runner.name, timer });
  }

  stats(): ActionsStats {
    let queued = 0;
    let running = 0;
    for (const job of this.#options.github.jobs.values()) {
      if (job.status === "queued") queued++;
      else if (job.status === "in_progress") running++;
    }
    return { queued, running, ...this.#stats, idleRunners: this.#idle.size };
  }

  /** Stops every timer and waits for webhooks in flight. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const { timer } of this.#busy.values()) clearTimeout(timer);
    for (const { timer } of this.#assigning.values()) clearTimeout(timer);
    await Promise.allSettled([...this.#sending.values()]);
  }

  #queuedJobs(): QueuedJob[] {
    const queued: QueuedJob[] = [];
    for (const job of this.#options.github.jobs.values()) {
      if (job.status !== "queued" || this.#assigning.has(job.id)) continue;
      queued.push({
        id: job.id,
        repo: this.#repoOfJob(job),
        labels: job.labels,
        queuedAt: this.#queuedAt.get(job.id) ?? Date.parse(job.created_at),
      });
    }
    return queued;
  }

  #start(jobId: number, runner: RegisteredRunner, hooks: RunnerHooks): void {
    const { github } = this.#options;
    const job = github.updateJob(jobId, {
      status: "in_progress",
      started_at: new Date().toISOString(),
      runner_id: runner.id,
      runner_name: runner.name,
      runner_group_id: 1,
      runner_group_name: "Default",
    });
    github.updateRunner(runner.id, { status: "online", busy: true });
    this.#options.onStarted?.(jobId, runner.name);
    this.#announce(job, "in_progress");
    const script = this.#scripts.get(jobId);
    const timer = setTimeout(
      () => this.#finish(runner.name, script?.conclusion ?? "success"),
      script?.durationMs ?? RERUN_DURATION_MS,
    );
    this.#busy.set(runner.name, { jobId, hooks, timer });
  }

  /** The busy runner's job ends with `conclusion`; the ephemeral runner exits. */
  #finish(
    runnerName: string,
    conclusion: "success" | "failure" | "cancelled",
    options: { isRunnerLost?: boolean } = {},
  ): void {
    const busy = this.#busy.get(runnerName);
    if (!busy) return;
    clearTimeout(busy.timer);
    this.#busy.delete(runnerName);
    const job = this.#options.github.jobs.get(busy.jobId);
    if (!job || job.status === "completed") return;
    if (job.runner_id) {
      this.#options.github.updateRunner(job.runner_id, { status: "offline", busy: false });
    }
    this.#complete(job, conclusion);
    if (!options.isRunnerLost) busy.hooks.onFinished();
  }

  #complete(job: WorkflowJob, conclusion: "success" | "failure" | "cancelled"): void {
    const done = this.#options.github.updateJob(job.id, {
      status: "completed",
      conclusion,
      completed_at: new Date().toISOString(),
    });
    if (conclusion === "cancelled") this.#stats.cancelled++;
    else if (conclusion === "failure") this.#stats.failed++;
    this.#stats.completed++;
    this.#announce(done, "completed");
    this.#options.onCompleted?.(job.id, conclusion, done.runner_name);
  }

  #repoOfJob(job: WorkflowJob): string {
    return this.#repoOf.get(job.id) ??
      /\/repos\/([^/]+\/[^/]+)\/actions\/jobs\//.exec(job.url)?.[1] ?? "";
  }

  /** Sends the job's webhook for `action`, after any earlier webhook of the same job. */
  #announce(job: WorkflowJob, action: Action): void {
    const key = keyOf(job, action);
    if (this.#announced.has(key)) return;
    this.#announced.add(key);
    const snapshot = structuredClone(job);
    const previous = this.#sending.get(job.id) ?? Promise.resolve();
    const sent = previous.then(() => this.#send(snapshot, action)).catch((error) =>
      this.#options.log(`webhook ${action} of job ${job.id} failed: ${error}`)
    );
    this.#sending.set(job.id, sent);
    sent.then(() => {
      if (this.#sending.get(job.id) === sent) this.#sending.delete(job.id);
    });
  }

  async #send(job: WorkflowJob, action: Action): Promise<void> {
    const { edgeUrl, webhookSecret, installationId } = this.#options;
    const payload = await workflowJobPayload({
      action,
      jobId: job.id,
      runId: job.run_id,
      repo: this.#repoOfJob(job),
      labels: job.labels,
      runnerName: job.runner_name,
      conclusion: job.conclusion,
      installationId,
    });
    Object.assign(payload.workflow_job as Record<string, unknown>, {
      run_attempt: job.run_attempt ?? 1,
      name: job.name,
      workflow_name: job.workflow_name,
      head_branch: job.head_branch,
      head_sha: job.head_sha,
      html_url: job.html_url,
      created_at: job.created_at,
      started_at: job.started_at,
      completed_at: job.completed_at,
      runner_id: job.runner_id,
      runner_group_id: job.runner_group_id,
      runner_group_name: job.runner_group_name,
    });
    // GitHub does not retry a failed delivery; the workload does (same delivery id, so the
    // edge dedupes), because a 5xx here is `wrangler dev` reloading, not a drill.
    const deliveryId = crypto.randomUUID();
    for (let attempt = 1;; attempt++) {
      const response = await postWebhook(edgeUrl, payload, { secret: webhookSecret, deliveryId })
        .catch((error: unknown) => error as Error);
      const failure = response instanceof Response
        ? (response.ok ? null : `edge answered ${response.status}: ${await response.text()}`)
        : String(response);
      if (response instanceof Response && response.ok) await response.body?.cancel();
      if (failure === null) return;
      const isRetryable = !(response instanceof Response) || response.status >= 500;
      if (!isRetryable || attempt >= 4 || this.#isStopped) throw new Error(failure.slice(0, 300));
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

function keyOf(job: WorkflowJob, action: Action): string {
  return `${job.id}:${job.run_attempt ?? 1}:${action}`;
}
