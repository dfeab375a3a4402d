/**
 * A job served by a stopped warm instance: claim one of its pool's stopped
 * instances (one guarded write: two jobs never share one), record the claim
 * on the job (`launching`, with the instance's own launch token), resize it
 * when the job wants another size and the provider can, register the job's
 * runner and deposit its JIT config for the instance, then StartInstances.
 * The boot script asks the edge for a fresh config on every boot, so the
 * deposit is what this boot runs. A job whose pool has no stopped instance
 * free launches cold, and its wait is recorded as `warm_pool_empty`.
 *
 * Idempotent: a replay (crash, unknown outcome) finds the job's claim again,
 * skips a resize already recorded, re-deposits (a fetched config is kept) and
 * starts the same instance (EC2 answers a repeated start with its state), so
 * no instance ever starts twice for two jobs.
 */
import { planStart } from "../../shared/launch/stopped_pool.ts";
import { runnerPlacementOf } from "../../shared/runner_scope.ts";
import type { ClaimedStandby, StoppedPoolQueries } from "../db/stopped_pool_queries.ts";
import type { Binding, JobRow, PoolRow, Store } from "../db/store.ts";
import type { LaunchQueries } from "../db/launch_queries.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import { type GitHub, RunnerRefusedError } from "../github/github.ts";
import type { Logger } from "../log.ts";
import type { Provider } from "../providers/provider.ts";
import { registerRunner, type RunnerBoot } from "./runner_launch.ts";
import { runnerLabelsOf, runnerNameOf } from "./runner_labels.ts";

export interface StoppedStartDeps {
  standby: Pick<StoppedPoolQueries, "claim" | "claimedBy" | "setSize" | "markStarted">;
  launches: Pick<LaunchQueries, "transitionMany">;
  store: Pick<Store, "recordStages" | "recordWait" | "markTerminated" | "audit">;
  provider: Provider;
  github: Pick<GitHub, "generateJitConfig">;
  vault: RunnerVault;
  log: Logger;
  now: () => number;
  runners: RunnerBoot;
}

/** Whether a pool keeps stopped instances a job may start. */
export function hasStoppedKind(pool: PoolRow, provider: Provider): boolean {
  return Boolean(provider.stopStart) && (pool.stoppedMin > 0 || (pool.stoppedMax ?? 0) > 0);
}

/** What became of a batch's jobs on the stopped path. */
export interface StoppedStarts {
  /** Jobs that got no stopped instance: they launch cold. */
  cold: JobRow[];
  /** Jobs whose start failed for a reason that may pass: resumed later from their claim. */
  failed: JobRow[];
}

/**
 * Starts a stopped instance for each claimed job that can have one; the
 * jobs that got none launch cold.
 */
export async function startFromStopped(
  jobs: readonly JobRow[],
  where: { binding: Binding; pool: PoolRow },
  deps: StoppedStartDeps,
): Promise<StoppedStarts> {
  if (!hasStoppedKind(where.pool, deps.provider)) return { cold: [...jobs], failed: [] };
  const cold: JobRow[] = [];
  const failed: JobRow[] = [];
  for (const job of jobs) {
    try {
      const claimed = await deps.standby.claim(job.id, where.pool.id);
      if (!claimed) {
        cold.push(job);
        continue;
      }
      const attempt = job.launchAttempts + 1;
      const runnerName = job.runnerName ?? runnerNameOf(job.id, attempt);
      const moved = await deps.launches.transitionMany([{
        id: job.id,
        from: "claimed",
        to: "launching",
        reason: `starting stopped instance ${claimed.instanceId}`,
        patch: { launchAttempts: attempt, launchClientToken: claimed.clientToken, runnerName },
      }], deps.now());
      // Cancelled meanwhile: the pool's tick frees the claim.
      if (!moved.has(job.id)) continue;
      await continueStart({ ...job, state: "launching", runnerName }, claimed, where, deps);
    } catch (error) {
      deps.log.warn("starting a stopped instance failed; resumed later", { jobId: job.id, error });
      failed.push(job);
    }
  }
  if (cold.length > 0) {
    await deps.store.recordWait(cold.map((job) => job.id), "warm_pool_empty", deps.now());
    deps.log.info("no stopped instance free: launching cold", {
      pool: where.pool.name,
      jobs: cold.length,
    });
  }
  return { cold, failed };
}

/**
 * A job left `launching` on a stopped instance (a crash, a failed step): go
 * on from where it stopped. One whose instance is gone is queued again.
 */
export async function resumeFromStopped(
  job: JobRow,
  where: { binding: Binding; pool: PoolRow },
  deps: StoppedStartDeps,
): Promise<void> {
  const claimed = await deps.standby.claimedBy(job.id);
  if (!claimed) {
    await deps.launches.transitionMany([{
      id: job.id,
      from: "launching",
      to: "queued",
      reason: "its stopped instance is gone",
    }], deps.now());
    return;
  }
  await continueStart(job, claimed, where, deps);
}

async function continueStart(
  job: JobRow,
  claimed: ClaimedStandby,
  { binding, pool }: { binding: Binding; pool: PoolRow },
  deps: StoppedStartDeps,
): Promise<void> {
  const { provider, now, log } = deps;
  const control = provider.stopStart!;
  let size = claimed.size;
  if (claimed.startedAt === null) {
    const plan = planStart({
      size,
      wanted: pool.instanceTypes[0],
      canResize: provider.capabilities.stopStart,
    });
    // A hibernated instance keeps its size (its pool had one when it stopped): it starts as it is.
    if (plan.resizeTo && await control.resize(claimed.instanceId, plan.resizeTo)) {
      await deps.standby.setSize(claimed.instanceId, plan.resizeTo);
      size = plan.resizeTo;
    }
  }
  const placement = runnerPlacementOf(binding.project, job.repoFullName);
  let registered;
  try {
    registered = await registerRunner(deps.github, {
      repoFullName: job.repoFullName,
      installationId: job.installationId,
      runnerName: job.runnerName ?? runnerNameOf(job.id, job.launchAttempts),
      labels: runnerLabelsOf(binding.project.name, pool, job),
      scope: placement.kind,
      runnerGroupId: placement.kind === "org" ? placement.runnerGroupId : undefined,
    }, now);
  } catch (error) {
    if (!(error instanceof RunnerRefusedError)) throw error;
    await refused(job, claimed, error.message, deps);
    return;
  }
  // Deposited before the start: the instance asks for it as soon as it boots.
  await deps.vault.deposit([{
    batchId: claimed.clientToken,
    instanceId: claimed.instanceId,
    jobId: job.id,
    runnerName: registered.runnerName,
    encodedJitConfig: registered.jit.encodedJitConfig,
    expiresAt: now() + deps.runners.bootTimeoutSeconds * 1000,
  }]);
  const sentAt = now();
  await control.start([claimed.instanceId]);
  const startedAt = claimed.startedAt ?? now();
  await deps.store.recordStages([job.id], { launch_sent: sentAt, launch_answered: now() });
  const price = size === null
    ? null
    : await provider.quote({ size, zone: claimed.zone, isSpot: false });
  await deps.standby.markStarted(claimed.instanceId, {
    runnerName: registered.runnerName,
    priceUsdPerHour: price,
    startedAt,
  });
  await deps.launches.transitionMany([{
    id: job.id,
    from: "launching",
    to: "starting",
    reason: `started stopped instance ${claimed.instanceId}`,
    patch: {
      instanceId: claimed.instanceId,
      priceUsdPerHour: price,
      runnerName: registered.runnerName,
      launchedAt: startedAt,
    },
  }], now());
  log.info("started a stopped instance for a job", {
    jobId: job.id,
    instanceId: claimed.instanceId,
    pool: pool.name,
    size,
  });
}

/** GitHub will not register the job's runner: the instance ends, the job fails with GitHub's words. */
async function refused(
  job: JobRow,
  claimed: ClaimedStandby,
  message: string,
  deps: StoppedStartDeps,
): Promise<void> {
  await deps.provider.terminate([claimed.instanceId]);
  const at = deps.now();
  await deps.store.markTerminated([claimed.instanceId], "runner registration refused", at);
  await deps.store.audit({
    at,
    actor: "core",
    action: "machine.terminate",
    target: claimed.instanceId,
    payload: { reason: "registration-refused", jobId: job.id },
  });
  const reason = `runner registration refused: ${message}`;
  await deps.launches.transitionMany([{
    id: job.id,
    from: "launching",
    to: "failed",
    reason,
    patch: { failureReason: reason },
  }], at);
}
