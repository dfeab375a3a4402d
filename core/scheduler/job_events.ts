/**
 * What the core does with each workflow_job event. Every handler is safe to
 * run twice: it reads the job's state and acts only from the state it expects,
 * so a redelivered event or a core restarted mid-launch never launches twice.
 * A `queued` job is recorded and the launcher (./launcher.ts) poked, which
 * routes, caps, batches and launches from the database.
 */
import { costUsd, elapsedSeconds } from "../../shared/cost.ts";
import { canTransition } from "../../shared/job_state.ts";
import { hibernatesStandby } from "../../shared/launch/standby_wait.ts";
import type {
  JobFacts,
  QueueMessage,
  RunnerEventMessage,
  WorkflowJobMessage,
} from "../../shared/schema/edge_core.ts";
import { GroupCommit } from "../db/group_commit.ts";
import type { JobEventsStore, NewJobRow } from "../db/store.ts";
import { type JobStage, stagesOfJob, waterfallOf } from "../../shared/job_stages.ts";
import type { StageMetrics } from "../metrics/core_metrics.ts";
import type { Logger } from "../log.ts";
import type { Provider } from "../providers/provider.ts";
import {
  markInterrupted,
  retryInterrupted,
  type SpotRetryDeps,
  waitingRetriesOfRun,
} from "./spot_interruption.ts";

export interface JobEventDeps {
  store: JobEventsStore;
  provider: Provider;
  /** What spot re-runs ask of GitHub. */
  github: SpotRetryDeps["github"];
  log: Logger;
  now: () => number;
  /** Re-runs after spot interruptions per job line (scheduler.spot_retries); default 2. */
  spotRetries?: number;
  /** Tells the launcher to look again: a job queued, a slot freed. */
  pokeLauncher: () => void;
  /** Where each started job's wait went, for the metrics. */
  stageMetrics?: StageMetrics;
}

function epochOf(iso: string | null, fallback: number): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

export class JobEvents {
  readonly #deps: JobEventDeps;
  /** A burst's queued jobs are recorded a group per transaction, not one each. */
  #newJobs: GroupCommit<
    { row: NewJobRow; at: number; stages: Partial<Record<JobStage, number>> },
    boolean
  >;

  constructor(deps: JobEventDeps) {
    this.#deps = deps;
    this.#newJobs = new GroupCommit((entries) => deps.store.insertJobs(entries));
  }

  async handle(message: QueueMessage): Promise<void> {
    await this.#dispatch(message);
    // A job queued, or a slot freed: the launcher looks again.
    this.#deps.pokeLauncher();
  }

  async #dispatch(message: QueueMessage): Promise<void> {
    if (message.type === "runner_event") return await this.runnerEvent(message);
    switch (message.action) {
      case "queued":
        return await this.queued(message);
      case "in_progress":
        return await this.inProgress(message.job);
      case "completed":
        return await this.completed(message.job);
      case "waiting":
        return; // Waiting on an environment approval: nothing to launch yet.
    }
  }

  async queued(message: WorkflowJobMessage): Promise<void> {
    const facts = message.job;
    const id = String(facts.githubJobId);
    const at = this.#deps.now();
    await this.#newJobs.submit({
      at,
      row: {
        id,
        githubJobId: facts.githubJobId,
        runId: facts.runId,
        runAttempt: facts.runAttempt,
        installationId: facts.installationId,
        repoFullName: facts.repoFullName.toLowerCase(),
        workflowName: facts.workflowName,
        jobName: facts.name,
        branch: facts.headBranch,
        sha: facts.headSha,
        sender: facts.sender,
        htmlUrl: facts.htmlUrl,
        labels: facts.labels,
        state: "queued",
        queuedAt: epochOf(facts.createdAt, message.receivedAt),
        updatedAt: at,
      },
      // In the same write as the job: a queued burst costs no extra round trips.
      stages: { webhook_received: message.receivedAt, leased: at },
    });
  }

  /** Lifecycle reports from instances; a failed bootstrap fails the job with its log. */
  async runnerEvent(event: RunnerEventMessage): Promise<void> {
    const { store, provider, log, now } = this.#deps;
    log.info("runner event", {
      jobId: event.jobId,
      runner: event.runnerName,
      instanceId: event.instanceId,
      kind: event.kind,
    });
    // When the instance called the edge: the instance's own progress, not the lease's delay.
    if (event.kind === "booted") {
      await store.recordStages([event.jobId], { booted: event.receivedAt });
    }
    if (event.kind === "runner-started") {
      await store.recordStages([event.jobId], { runner_online: event.receivedAt });
    }
    if (event.kind === "prepared") {
      // A stopped pool's first boot is done: stopped now, it waits for a job (stopped_pool.ts);
      // a pool of one size hibernates it (shared/launch/standby_wait.ts).
      // Only an instance on its first boot: any other is running a job.
      const standby = await store.stoppedPool.preparingOf(event.instanceId);
      // The edge took the report, so the instance's launch is being recorded: retried (nack).
      if (!standby) throw new Error(`prepared: ${event.instanceId} is not recorded yet`);
      if (standby.isPreparing) {
        await provider.stopStart?.stop([event.instanceId], {
          hibernate: hibernatesStandby(standby),
        });
      }
      return;
    }
    if (event.kind === "spot-interruption-notice") {
      // A provider without spot machines has none to reclaim: its jobs are never re-run for it.
      if (!provider.capabilities.spot) return;
      await markInterrupted(store, {
        instanceId: event.instanceId,
        fallbackJobId: event.jobId,
        at: now(),
        source: "instance notice",
      });
      return;
    }
    if (event.kind !== "bootstrap-failed") return;
    const job = await store.job(event.jobId);
    await provider.terminate([event.instanceId]);
    const terminatedAt = now();
    await store.markTerminated([event.instanceId], "bootstrap failed", terminatedAt);
    await store.audit({
      at: terminatedAt,
      actor: "core",
      action: "machine.terminate",
      target: event.instanceId,
      payload: { reason: "bootstrap-failed", jobId: event.jobId },
    });
    if (!job || !canTransition(job.state, "failed")) return;
    const reason = `runner bootstrap failed on ${event.instanceId}:\n${event.log ?? "(no log)"}`;
    await store.transitionJob(job.id, {
      from: job.state,
      to: "failed",
      at: now(),
      reason: "runner bootstrap failed",
    }, { failureReason: reason });
  }

  async inProgress(facts: JobFacts): Promise<void> {
    const { store, now } = this.#deps;
    const job = await store.job(String(facts.githubJobId));
    if (!job || !canTransition(job.state, "running")) return;
    // Runner stealing: the job runs wherever GitHub put it, named by the webhook.
    const ranOn = facts.runnerName ? await store.instanceByRunnerName(facts.runnerName) : null;
    await store.transitionJob(job.id, {
      from: job.state,
      to: "running",
      at: now(),
      reason: facts.runnerName ? `runner ${facts.runnerName}` : undefined,
    }, {
      startedAt: epochOf(facts.startedAt, now()),
      // A runner that is none of ours: no instance of ours ran the job.
      instanceId: facts.runnerName ? ranOn?.id ?? null : job.instanceId,
      priceUsdPerHour: ranOn?.priceUsdPerHour ?? job.priceUsdPerHour,
    });
    await this.#observeStages(job.id);
  }

  /** The started job's waterfall into the stage histograms, once (only the transition reaches it). */
  async #observeStages(jobId: string): Promise<void> {
    const metrics = this.#deps.stageMetrics;
    if (!metrics) return;
    const record = await this.#deps.store.stageRecordOf(jobId);
    if (!record) return;
    const segments = waterfallOf(stagesOfJob(record.job, record.stages), record.waits);
    metrics.jobStarted(record.pool ?? "(none)", segments);
  }

  async completed(facts: JobFacts): Promise<void> {
    await this.#complete(facts);
    // Whoever's job it was, its run may have completed with it: interrupted jobs may re-run now.
    await this.#retryAfterInterruption({
      id: String(facts.githubJobId),
      repoFullName: facts.repoFullName.toLowerCase(),
      runId: facts.runId,
    });
  }

  async #complete(facts: JobFacts): Promise<void> {
    const { store, provider, now, log } = this.#deps;
    const job = await store.job(String(facts.githubJobId));
    if (!job || (job.state !== "running" && !canTransition(job.state, "completed"))) {
      return;
    }
    const ranOn = facts.runnerName ? await store.instanceByRunnerName(facts.runnerName) : null;
    // Only the instance that ran this job ends with it. One launched for it that
    // never ran it may run another job (stolen): the reaper takes it once idle.
    // Terminate first: if EC2 fails, the event is retried and the job is not yet marked done.
    if (ranOn && ranOn.terminatedAt === null) {
      await provider.terminate([ranOn.id]);
      const terminatedAt = now();
      await store.markTerminated([ranOn.id], `job ${job.id} completed`, terminatedAt);
      await store.audit({
        at: terminatedAt,
        actor: "core",
        action: "machine.terminate",
        target: ranOn.id,
        payload: { reason: "job-completed", jobId: job.id, conclusion: facts.conclusion },
      });
    }
    const at = now();
    const price = ranOn?.priceUsdPerHour ?? null;
    const cost = ranOn && price !== null
      ? costUsd(price, elapsedSeconds(ranOn.launchedAt, at))
      : null;
    const isCancelledEarly = facts.conclusion === "cancelled" && !facts.runnerName;
    await store.transitionJob(job.id, {
      from: job.state,
      to: isCancelledEarly ? "cancelled" : "completed",
      at,
      reason: facts.conclusion ? `conclusion ${facts.conclusion}` : undefined,
    }, {
      completedAt: epochOf(facts.completedAt, at),
      conclusion: facts.conclusion,
      instanceId: facts.runnerName ? ranOn?.id ?? null : job.instanceId,
      priceUsdPerHour: price,
      costUsd: cost,
    });
    log.info("job completed", { jobId: job.id, conclusion: facts.conclusion, costUsd: cost });
  }

  /**
   * Re-runs the interrupted jobs of the completed job's run, this one
   * included, once GitHub says the run has completed. Best effort: one that
   * fails or must wait here is picked up by the reconciler's next pass.
   */
  async #retryAfterInterruption(job: { id: string; repoFullName: string; runId: number }) {
    const { store, provider, github, log, now } = this.#deps;
    if (!provider.capabilities.spot) return;
    const deps = {
      store,
      github,
      log,
      now,
      maxRetries: this.#deps.spotRetries ?? 2,
      enqueue: (message: WorkflowJobMessage) => this.handle(message),
    };
    try {
      for (const id of await waitingRetriesOfRun(deps, job.repoFullName, job.runId)) {
        await retryInterrupted(deps, id);
      }
    } catch (error) {
      log.warn("spot re-run failed; the reconciler will try again", { jobId: job.id, error });
    }
  }
}
