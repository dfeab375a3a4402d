/**
 * What the core does with each workflow_job event. Every handler is safe to
 * run twice: it reads the job's state and acts only from the state it expects,
 * so a redelivered event or a core restarted mid-launch never launches twice
 * (the launch's client token is recorded before the EC2 call and reused).
 */
import { ConflictError } from "../../shared/errors.ts";
import { costUsd, elapsedSeconds } from "../../shared/cost.ts";
import { canTransition, type JobState } from "../../shared/job_state.ts";
import { routeJob } from "../../shared/routing.ts";
import type {
  JobFacts,
  QueueMessage,
  RunnerEventMessage,
  WorkflowJobMessage,
} from "../../shared/schema/edge_core.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import { cascadeTags, gantryTags } from "../../shared/tags.ts";
import { PermanentLaunchError } from "../aws/ec2_provider.ts";
import type { Store } from "../db/store.ts";
import type { JobRow, PoolRow } from "../db/store.ts";
import { PIN_LABEL_PREFIX, pinOf, poolLabelSet } from "../../shared/labels.ts";
import type { GitHub } from "../github/github_app.ts";
import type { Logger } from "../log.ts";
import { renderUserData } from "../runner/user_data.ts";
import { poolSpecOf, routableOf } from "./pool_spec.ts";
import type { Provider } from "./provider.ts";

export interface JobEventDeps {
  store: Store;
  provider: Provider;
  github: GitHub;
  vault: RunnerVault;
  log: Logger;
  now: () => number;
  /** The edge URL instances call back to, and how long they may take to boot. */
  runners: { edgeUrl: string; bootTimeoutSeconds: number };
}

/** Runner names encode the job and attempt, so a runner's webhooks lead back to its launch. */
export function runnerNameOf(jobId: string, attempt: number): string {
  return `gantry-${jobId}-${attempt}`;
}

/** The labels the runner registers with: the pool's label set, plus the job's pin if any. */
function runnerLabelsOf(project: string, pool: PoolRow, job: JobRow): string[] {
  const labels = poolLabelSet({
    project,
    pool: pool.name,
    repoFullName: job.repoFullName,
    extraLabels: pool.extraLabels,
  });
  const pin = pinOf(job.labels);
  return pin ? [...labels, `${PIN_LABEL_PREFIX}${pin}`] : labels;
}

function epochOf(iso: string | null, fallback: number): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

export class JobEvents {
  constructor(readonly deps: JobEventDeps) {}

  async handle(message: QueueMessage): Promise<void> {
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
    const { store, now } = this.deps;
    const facts = message.job;
    const id = String(facts.githubJobId);
    const at = now();
    await store.insertJob({
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
    }, at);
    await this.advance(id);
  }

  /** Moves a job forward from wherever a previous (perhaps crashed) run left it. */
  async advance(id: string): Promise<void> {
    const job = await this.deps.store.job(id);
    if (!job) return;
    if (job.state === "queued") await this.claim(job);
    else if (job.state === "claimed" || job.state === "launching") await this.launch(job);
  }

  async claim(job: JobRow): Promise<void> {
    const { store, now, log } = this.deps;
    const binding = await store.bindingOf(job.repoFullName);
    const drop = async (reason: string) => {
      await store.transitionJob(job.id, { from: "queued", to: "dropped", at: now(), reason }, {
        failureReason: reason,
      });
      log.info("job dropped", { jobId: job.id, repo: job.repoFullName, reason });
    };
    if (!binding) return await drop(`repo ${job.repoFullName} is not bound to a project`);
    if (binding.project.isDisabled) {
      return await drop(`project "${binding.project.name}" is disabled`);
    }
    const decision = routeJob(
      { repoFullName: job.repoFullName, labels: job.labels },
      binding.pools.map((pool) => routableOf(binding.project, pool)),
    );
    if (decision.kind === "dropped") return await drop(decision.reason);
    const claimed = await store.transitionJob(job.id, {
      from: "queued",
      to: "claimed",
      at: now(),
      reason: `routed to pool ${decision.pool.name}`,
    }, { projectId: binding.project.id, poolId: decision.pool.id, claimedAt: now() });
    if (!claimed) return;
    log.info("job claimed", { jobId: job.id, pool: decision.pool.name });
    await this.launch({
      ...job,
      state: "claimed",
      projectId: binding.project.id,
      poolId: decision.pool.id,
    });
  }

  async launch(job: JobRow): Promise<void> {
    const { store, provider, vault, runners, log, now } = this.deps;
    const binding = await store.bindingOf(job.repoFullName);
    const pool = binding?.pools.find((p) => p.id === job.poolId);
    if (!binding || !pool) {
      await store.transitionJob(job.id, {
        from: job.state as JobState,
        to: "failed",
        at: now(),
        reason: "pool no longer exists",
      }, { failureReason: "pool no longer exists" });
      return;
    }
    // Record the attempt and its client token before calling EC2, so a crash
    // after the call retries with the same token and EC2 returns the same instance.
    let attempt = job.launchAttempts;
    let clientToken = job.launchClientToken;
    if (job.state === "claimed" || !clientToken) {
      attempt += 1;
      clientToken = `gantry-${job.id}-${attempt}`;
      const moved = await store.transitionJob(job.id, {
        from: job.state as JobState,
        to: "launching",
        at: now(),
        reason: `launch attempt ${attempt}`,
      }, {
        launchAttempts: attempt,
        launchClientToken: clientToken,
        runnerName: runnerNameOf(job.id, attempt),
      });
      if (!moved) return;
    }
    const spec = poolSpecOf(binding.project, pool);
    const template = await provider.ensureTemplate(spec);
    if (template.hash !== spec.template?.hash || template.id !== spec.template?.id) {
      await store.saveLaunchTemplate(pool.id, template);
    }
    const runnerLabels = runnerLabelsOf(binding.project.name, pool, job);
    let runnerName = runnerNameOf(job.id, attempt);
    try {
      const jit = await this.#jitConfig(job, runnerName, runnerLabels).catch(async (error) => {
        if (!(error instanceof ConflictError)) throw error;
        // The name is taken by the attempt a crash interrupted; register afresh.
        runnerName = `${runnerName}-${now().toString(36)}`;
        return await this.#jitConfig(job, runnerName, runnerLabels);
      });
      const runnerToken = await vault.runnerToken({
        jobId: job.id,
        runnerName,
        ttlSeconds: runners.bootTimeoutSeconds,
      });
      const machines = await provider.launch({
        pool: { ...spec, template },
        clientToken,
        userData: renderUserData({
          edgeUrl: runners.edgeUrl,
          runnerToken,
          configWaitSeconds: runners.bootTimeoutSeconds,
        }),
        tags: {
          ...cascadeTags({
            project: binding.project.tags,
            pool: pool.tags,
            repo: binding.repo.tags,
          }),
          ...gantryTags({
            project: binding.project.name,
            pool: pool.name,
            repo: job.repoFullName,
            job: job.id,
          }),
        },
      });
      // The config goes to the edge's vault, bound to the instance, never into user data.
      for (const machine of machines) {
        await vault.deposit({
          jobId: job.id,
          runnerName,
          instanceId: machine.id,
          encodedJitConfig: jit.encodedJitConfig,
          expiresAt: now() + runners.bootTimeoutSeconds * 1000,
        });
      }
      const launchedAt = now();
      const priced = await Promise.all(
        machines.map(async (m) => ({ ...m, price: await provider.quote(m) })),
      );
      await store.recordInstances(priced.map((m) => ({
        id: m.id,
        poolId: pool.id,
        jobId: job.id,
        runnerName,
        instanceType: m.instanceType,
        availabilityZone: m.availabilityZone,
        subnetId: m.subnetId,
        isSpot: m.isSpot,
        priceUsdPerHour: m.price,
        state: "pending",
        launchedAt,
        clientToken,
      })));
      await store.transitionJob(job.id, {
        from: "launching",
        to: "starting",
        at: launchedAt,
        reason: `launched ${priced.map((m) => m.id).join(", ")}`,
      }, {
        instanceId: priced[0]?.id ?? null,
        priceUsdPerHour: priced[0]?.price ?? null,
        runnerName,
        launchedAt,
      });
      log.info("job launched", {
        jobId: job.id,
        instances: priced.map((m) => m.id),
        pool: pool.name,
      });
    } catch (error) {
      if (!(error instanceof PermanentLaunchError)) throw error;
      await store.transitionJob(job.id, {
        from: "launching",
        to: "failed",
        at: now(),
        reason: error.message,
      }, {
        failureReason: error.message,
      });
      log.warn("launch failed permanently", { jobId: job.id, error });
    }
  }

  #jitConfig(job: JobRow, runnerName: string, labels: readonly string[]) {
    return this.deps.github.generateJitConfig({
      repoFullName: job.repoFullName,
      installationId: job.installationId,
      runnerName,
      labels,
    });
  }

  /** Lifecycle reports from instances; a failed bootstrap fails the job with its log. */
  async runnerEvent(event: RunnerEventMessage): Promise<void> {
    const { store, provider, log, now } = this.deps;
    log.info("runner event", {
      jobId: event.jobId,
      runner: event.runnerName,
      instanceId: event.instanceId,
      kind: event.kind,
    });
    if (event.kind !== "bootstrap-failed") return;
    const job = await store.job(event.jobId);
    await provider.terminate([event.instanceId]);
    await store.markTerminated([event.instanceId], "bootstrap failed", now());
    if (!job || !canTransition(job.state as JobState, "failed")) return;
    const reason = `runner bootstrap failed on ${event.instanceId}:\n${event.log ?? "(no log)"}`;
    await store.transitionJob(job.id, {
      from: job.state as JobState,
      to: "failed",
      at: now(),
      reason: "runner bootstrap failed",
    }, { failureReason: reason });
  }

  async inProgress(facts: JobFacts): Promise<void> {
    const { store, now } = this.deps;
    const job = await store.job(String(facts.githubJobId));
    if (!job || !canTransition(job.state as JobState, "running")) return;
    // Runner stealing: the job runs wherever GitHub put it, named by the webhook.
    const ranOn = facts.runnerName ? await store.instanceByRunnerName(facts.runnerName) : null;
    await store.transitionJob(job.id, {
      from: job.state as JobState,
      to: "running",
      at: now(),
      reason: facts.runnerName ? `runner ${facts.runnerName}` : undefined,
    }, {
      startedAt: epochOf(facts.startedAt, now()),
      instanceId: ranOn?.id ?? job.instanceId,
      priceUsdPerHour: ranOn?.priceUsdPerHour ?? job.priceUsdPerHour,
    });
  }

  async completed(facts: JobFacts): Promise<void> {
    const { store, provider, now, log } = this.deps;
    const job = await store.job(String(facts.githubJobId));
    if (!job || (job.state !== "running" && !canTransition(job.state as JobState, "completed"))) {
      return;
    }
    const ranOn = facts.runnerName ? await store.instanceByRunnerName(facts.runnerName) : null;
    // Terminate first: if EC2 fails, the event is retried and the job is not yet marked done.
    const toTerminate = ranOn ? [ranOn] : await store.liveInstancesOfJob(job.id);
    await provider.terminate(toTerminate.map((i) => i.id));
    const at = now();
    await store.markTerminated(toTerminate.map((i) => i.id), `job ${job.id} completed`, at);
    const price = ranOn?.priceUsdPerHour ?? null;
    const cost = ranOn && price !== null
      ? costUsd(price, elapsedSeconds(ranOn.launchedAt, at))
      : null;
    const isCancelledEarly = facts.conclusion === "cancelled" && !facts.runnerName;
    await store.transitionJob(job.id, {
      from: job.state as JobState,
      to: isCancelledEarly ? "cancelled" : "completed",
      at,
      reason: facts.conclusion ? `conclusion ${facts.conclusion}` : undefined,
    }, {
      completedAt: epochOf(facts.completedAt, at),
      conclusion: facts.conclusion,
      instanceId: ranOn?.id ?? job.instanceId,
      priceUsdPerHour: price,
      costUsd: cost,
    });
    log.info("job completed", { jobId: job.id, conclusion: facts.conclusion, costUsd: cost });
  }
}
