/**
 * One launch call for a batch of jobs, and its settling: the call (replayed
 * verbatim from the client token after a crash), each new instance matched
 * to a job and recorded at once, then a JIT runner config per instance
 * deposited with the edge keyed by instance id, then job states written in
 * one round trip. Instances are recorded before their runners are registered:
 * registration is paced to GitHub's write limit, and the reaper terminates
 * running instances the books do not know. A registration GitHub refuses for
 * good ends its instance and fails its job with GitHub's words.
 */
import { type BatchToken, remainingPlacements } from "../../shared/launch/batch.ts";
import { runnerPlacementOf } from "../../shared/runner_scope.ts";
import type { RunnerConfigDeposit } from "../../shared/schema/runner.ts";
import type { Binding, JobRow, PoolRow, Store } from "../db/store.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import { type GitHub, RunnerRefusedError, type RunnerScope } from "../github/github.ts";
import { correlationIdsOf, type Logger } from "../log.ts";
import { instanceRowOf, type LaunchQueries } from "../db/launch_queries.ts";
import { poolSpecOf } from "./pool_spec.ts";
import { launchRequestOf, registerRunner, type RunnerBoot } from "./runner_launch.ts";
import { runnerLabelsOf, runnerNameOf } from "./runner_labels.ts";
import type { LaunchedMachine, LaunchFailure, Provider } from "../providers/provider.ts";

export interface BatchDeps {
  launches: Pick<
    LaunchQueries,
    "instancesOfLaunch" | "recordInstances" | "setInstanceRunners" | "transitionMany"
  >;
  /** Where a pool's new template and a refused runner's terminated instance are written. */
  store: Pick<
    Store,
    "saveLaunchTemplate" | "markTerminated" | "audit" | "recordStages" | "recordWait"
  >;
  provider: Provider;
  github: Pick<GitHub, "generateJitConfig" | "removeRunner">;
  vault: RunnerVault;
  log: Logger;
  now: () => number;
  runners: RunnerBoot;
}

/** A batch ready to call: its token, the jobs recorded under it, where they go. */
export interface Batch {
  clientToken: string;
  token: BatchToken;
  jobs: JobRow[];
  binding: Binding;
  pool: PoolRow;
}

/** How the call went, for the launcher to retry or fail what did not launch. */
export interface BatchResult {
  started: string[];
  /** Jobs still in `launching` that got no instance. */
  leftover: JobRow[];
  failures: LaunchFailure[];
}

/** GitHub calls in flight at once while configuring a batch's runners. */
const JIT_CONCURRENCY = 16;

export async function launchBatch(batch: Batch, deps: BatchDeps): Promise<BatchResult> {
  const { provider, launches, store, log, now } = deps;
  const { binding, pool, token, clientToken } = batch;
  // Where a slow batch spends its time: template and token, provider, GitHub and the edge, libSQL.
  const stamps = [performance.now()];
  const pooled = poolSpecOf(binding.project, pool, provider.capabilities);
  // A re-run after a spot interruption goes on-demand (batches never mix the two).
  const spec = batch.jobs.some((job) => job.isForcedOnDemand)
    ? { ...pooled, isSpot: false }
    : pooled;
  const template = await provider.ensureTemplate(spec);
  if (template.hash !== spec.template?.hash || template.id !== spec.template?.id) {
    await store.saveLaunchTemplate(pool.id, template);
  }
  const request = await launchRequestOf({
    binding,
    pool,
    spec: { ...spec, template },
    repo: batch.jobs[0].repoFullName,
    clientToken,
    issuedAt: token.issuedAt,
    count: token.count,
    placements: remainingPlacements(provider.placementsOf(spec), token.excluded),
    // One fleet call tags all its instances alike: the job is named only for a batch of one.
    jobId: token.count === 1 ? batch.jobs[0].id : undefined,
  }, deps);
  stamps.push(performance.now());
  const sentAt = now();
  const outcome = await provider.launch(request);
  await store.recordStages(batch.jobs.map((job) => job.id), {
    launch_sent: sentAt,
    launch_answered: now(),
  });

  stamps.push(performance.now());
  // A replay may find instances a previous run already matched to jobs.
  const known = await launches.instancesOfLaunch(clientToken);
  const waiting = batch.jobs.filter((job) => job.state === "launching");
  const matched = new Map<string, LaunchedMachine>();
  const fresh: LaunchedMachine[] = [];
  for (const machine of outcome.machines) {
    const jobId = known.get(machine.id);
    if (jobId && waiting.some((job) => job.id === jobId)) matched.set(jobId, machine);
    else if (!known.has(machine.id)) fresh.push(machine);
  }
  for (const job of waiting) {
    if (!matched.has(job.id) && fresh.length > 0) matched.set(job.id, fresh.shift()!);
  }
  if (fresh.length > 0) {
    // More machines than jobs still waiting (a job was cancelled meanwhile): not ours to keep.
    log.info("terminating surplus instances of a launch", {
      clientToken,
      correlationIds: correlationIdsOf(batch.jobs.map((j) => j.id)),
      instances: fresh.map((m) => m.id),
    });
    await provider.terminate(fresh.map((m) => m.id));
  }
  const assigned = waiting.filter((job) => matched.has(job.id));
  const leftover = waiting.filter((job) => !matched.has(job.id));

  const launchedAt = now();
  const priced = await Promise.all(assigned.map(async (job) => {
    const machine = matched.get(job.id)!;
    return { job, machine, price: await provider.quote(machine) };
  }));
  // On the books before any runner is registered (a replay finds them as `known`).
  await launches.recordInstances(priced.map(({ job, machine, price }) =>
    instanceRowOf(machine, {
      poolId: pool.id,
      jobId: job.id,
      runnerName: job.runnerName ?? runnerNameOf(job.id, job.launchAttempts),
      runnerScope: runnerPlacementOf(binding.project, job.repoFullName).kind,
      priceUsdPerHour: price,
      launchedAt,
      clientToken,
    })
  ));
  stamps.push(performance.now());

  const { configured, refused, error } = await configureRunners(assigned, matched, batch, deps);
  stamps.push(performance.now());
  await settleRefused(refused, matched, batch, deps);
  const settledAt = now();
  const ready = priced.filter(({ job }) => configured.has(job.id));
  const started = await launches.transitionMany(
    ready.map(({ job, machine, price }) => ({
      id: job.id,
      from: "launching",
      to: "starting",
      reason: `launched ${machine.id}`,
      patch: {
        instanceId: machine.id,
        priceUsdPerHour: price,
        runnerName: configured.get(job.id)!.name,
        launchedAt,
      },
    })),
    settledAt,
    // A taken name or an org refusal changed where the runner is: the reaper removes it there.
    launches.setInstanceRunners(ready.map(({ job, machine }) => ({
      instanceId: machine.id,
      runnerName: configured.get(job.id)!.name,
      runnerScope: configured.get(job.id)!.scope,
    }))),
  );
  // Registration failed for a reason that may pass: the launch is replayed for the rest.
  if (error !== undefined) throw error;
  stamps.push(performance.now());
  const [prepare, call, record, runnersMs, settle] = stamps.slice(1).map((at, i) =>
    Math.round(at - stamps[i])
  );
  log.info("batch launched", {
    clientToken,
    correlationIds: correlationIdsOf(batch.jobs.map((j) => j.id)),
    pool: pool.name,
    asked: token.count,
    launched: outcome.machines.length,
    started: started.size,
    failures: outcome.failures.map((f) => `${f.size ?? "*"}/${f.slot ?? "*"}: ${f.code}`),
    refused: refused.size,
    ms: { prepare, call, record, runners: runnersMs, settle },
  });
  return { started: [...started], leftover, failures: outcome.failures };
}

/** A runner registered for a job: its name, and where it registered (for its removal). */
interface ConfiguredRunner {
  name: string;
  scope: RunnerScope;
}

/** What registering a batch's runners came to. */
interface Configured {
  configured: Map<string, ConfiguredRunner>;
  /** Jobs whose registration GitHub refused for good, with its words. */
  refused: Map<string, string>;
  /** The first failure that may pass (GitHub down, rate limited past retries). */
  error?: unknown;
}

/**
 * A JIT config per job from GitHub, deposited with the edge for its instance:
 * at the org level for an org-scoped project's repos, else at the repo.
 */
async function configureRunners(
  jobs: readonly JobRow[],
  machines: ReadonlyMap<string, LaunchedMachine>,
  batch: Batch,
  deps: BatchDeps,
): Promise<Configured> {
  const configured = new Map<string, ConfiguredRunner>();
  const refused = new Map<string, string>();
  let error: unknown;
  const deposits: RunnerConfigDeposit[] = [];
  // When GitHub first rate-limited each job's registration: its wait, in the waterfall.
  const rateLimited = new Map<string, number>();
  const expiresAt = deps.now() + deps.runners.bootTimeoutSeconds * 1000;
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const labels = runnerLabelsOf(batch.binding.project.name, batch.pool, job);
      const placement = runnerPlacementOf(batch.binding.project, job.repoFullName);
      try {
        const { jit, runnerName } = await registerRunner(deps.github, {
          repoFullName: job.repoFullName,
          installationId: job.installationId,
          runnerName: job.runnerName ?? runnerNameOf(job.id, job.launchAttempts),
          labels,
          scope: placement.kind,
          runnerGroupId: placement.kind === "org" ? placement.runnerGroupId : undefined,
          onRateLimited: () => {
            if (!rateLimited.has(job.id)) rateLimited.set(job.id, deps.now());
          },
        }, deps.now);
        configured.set(job.id, { name: runnerName, scope: jit.scope });
        deposits.push({
          batchId: batch.clientToken,
          instanceId: machines.get(job.id)!.id,
          jobId: job.id,
          runnerName,
          encodedJitConfig: jit.encodedJitConfig,
          expiresAt,
        });
      } catch (cause) {
        if (cause instanceof RunnerRefusedError) refused.set(job.id, cause.message);
        else error ??= cause;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(JIT_CONCURRENCY, jobs.length) }, worker));
  if (deposits.length > 0) await deps.vault.deposit(deposits);
  for (const [jobId, at] of rateLimited) {
    await deps.store.recordWait([jobId], "github_rate_limit", at);
  }
  return { configured, refused, error };
}

/**
 * Jobs GitHub will not register a runner for: their instances are
 * terminated, any runner an earlier try of this launch registered under
 * their name is removed, and the jobs fail with GitHub's words.
 */
async function settleRefused(
  refused: ReadonlyMap<string, string>,
  machines: ReadonlyMap<string, LaunchedMachine>,
  batch: Batch,
  deps: BatchDeps,
): Promise<void> {
  if (refused.size === 0) return;
  const jobs = batch.jobs.filter((job) => refused.has(job.id));
  const instanceIds = jobs.map((job) => machines.get(job.id)!.id);
  await deps.provider.terminate(instanceIds);
  const terminatedAt = deps.now();
  await deps.store.markTerminated(instanceIds, "runner registration refused", terminatedAt);
  for (const job of jobs) {
    await deps.store.audit({
      at: terminatedAt,
      actor: "core",
      action: "machine.terminate",
      target: machines.get(job.id)!.id,
      payload: { reason: "registration-refused", jobId: job.id },
    });
  }
  for (const job of jobs) {
    if (job.runnerName === null) continue;
    const placement = runnerPlacementOf(batch.binding.project, job.repoFullName);
    for (const scope of new Set<RunnerScope>([placement.kind, "repo"])) {
      await deps.github.removeRunner({
        repoFullName: job.repoFullName,
        installationId: job.installationId,
        runnerName: job.runnerName,
        scope,
      }).catch((error) =>
        deps.log.warn("could not remove the runner of a refused registration", {
          jobId: job.id,
          runner: job.runnerName,
          error,
        })
      );
    }
  }
  const at = deps.now();
  await deps.launches.transitionMany(
    jobs.map((job) => {
      const reason = `runner registration refused: ${refused.get(job.id)}`;
      return {
        id: job.id,
        from: "launching",
        to: "failed",
        reason,
        patch: { failureReason: reason },
      };
    }),
    at,
  );
  deps.log.warn("GitHub refused runner registration; instances terminated, jobs failed", {
    clientToken: batch.clientToken,
    correlationIds: correlationIdsOf(jobs.map((job) => job.id)),
    instances: instanceIds,
    reasons: [...new Set(refused.values())],
  });
}
