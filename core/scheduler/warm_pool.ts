/**
 * Warm pools, the I/O around shared/launch/warm_pool.ts: every tick, read
 * which (pool, repo) want idle runners and which warm instances live, and
 * launch what is missing, one machine per call. A warm runner registers with
 * the pool's label set under a `gantry-warm-<instance>` name; GitHub gives
 * it the next matching job, and that job's in_progress links the two
 * (job_events.ts), its completion terminates it. An idle warm runner past
 * the idle timeout is removed from GitHub first — refused while busy, so a
 * runner that just took a job whose in_progress is still on its way is kept —
 * then terminated, and a fresh one replaces it. How many each (pool, repo)
 * keeps and may hold now comes from warm_sizing.ts (min/max, schedule, idle
 * budget); idle runners over that are retired the same way, oldest first.
 *
 * Idempotent: the n-th warm launch of a (pool, repo) in a time slot always
 * sends the same client token, so a repeated tick, a second core or a crash
 * before the instance was recorded launches nothing twice.
 */
import { planWarmPool, warmClientTokenOf, warmSlotOf } from "../../shared/launch/warm_pool.ts";
import { poolLabelSet } from "../../shared/labels.ts";
import type { Binding, PoolRow } from "../db/store.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import type { GitHub } from "../github/github.ts";
import type { Logger } from "../log.ts";
import { instanceRowOf } from "../db/launch_queries.ts";
import type { WarmPoolStore, WarmRunner } from "../db/warm_pool_queries.ts";
import { poolSpecOf } from "./pool_spec.ts";
import { launchIdleMachine, registerRunner, type RunnerBoot } from "./runner_launch.ts";
import type { PoolSpec, Provider } from "../providers/provider.ts";
import { runEvery } from "../sleep.ts";
import type { LaunchGateView } from "../control/launch_gate.ts";
import { sizeHot } from "./warm_sizing.ts";

export interface WarmPoolOptions {
  store: WarmPoolStore;
  provider: Provider;
  github: Pick<GitHub, "generateJitConfig" | "removeRunner">;
  vault: RunnerVault;
  log: Logger;
  now: () => number;
  runners: RunnerBoot;
  /** An idle warm runner older than this is replaced (scheduler.idle_timeout_minutes). */
  idleTimeoutMs: number;
  /** Length of the time slot a warm client token is good for; default 60 s. */
  slotMs?: number;
  /** An operator's pause or drain: no warm runner is launched for a held pool. */
  gate?: LaunchGateView;
}

/** The job id a warm runner's deposit carries (it was launched for none). */
export const WARM_JOB_ID = "warm";

const DEFAULT_SLOT_MS = 60_000;

/** What a tick did: launched, expired (idle past the timeout) and surplus (over the max) retired. */
export interface WarmTick {
  launched: string[];
  expired: string[];
  surplus: string[];
}

/** One tick. */
export async function warmPoolOnce(options: WarmPoolOptions): Promise<WarmTick> {
  const { store, provider, log, now } = options;
  const adopted = await store.adoptFreedLaunches();
  if (adopted.length > 0) log.info("machines freed by warm runners kept as warm", { adopted });
  const runners = await store.warmRunners();
  const targets = await sizeHot(await store.warmTargets(), options);
  const plan = planWarmPool(targets, runners, {
    now: now(),
    idleTimeoutMs: options.idleTimeoutMs,
  });
  const of = (ids: string[]) => runners.filter((r) => ids.includes(r.instanceId));
  const expired = await retire(of(plan.expired), "idle", options);
  const surplus = await retire(of(plan.surplus), "over-max", options);
  const launched: string[] = [];
  for (const want of plan.launch) {
    if (options.gate && !options.gate.mayLaunch(want.poolId)) continue;
    const binding = await store.bindingOf(want.repo);
    const pool = binding?.pools.find((p) => p.id === want.poolId);
    if (!binding || !pool) continue;
    const seq = await store.warmLaunchesSoFar(want.poolId, want.repo);
    try {
      // Once per pool and tick: every launch (and a replay) then starts from the same version.
      const spec = poolSpecOf(binding.project, pool, provider.capabilities);
      const template = await provider.ensureTemplate(spec);
      if (template.hash !== spec.template?.hash || template.id !== spec.template?.id) {
        await store.saveLaunchTemplate(pool.id, template);
      }
      for (let i = 0; i < want.count; i++) {
        const id = await launchWarm(
          { binding, pool, spec: { ...spec, template } },
          want.repo,
          seq + i,
          options,
        );
        if (id) launched.push(id);
      }
    } catch (error) {
      log.warn("warm runner launch failed; the next tick retries", {
        pool: pool.name,
        repo: want.repo,
        error,
      });
    }
  }
  if (launched.length + expired.length + surplus.length > 0) {
    log.info("warm pool tick", { launched, expired, surplus });
  }
  return { launched, expired, surplus };
}

/**
 * Removes each runner from GitHub, then terminates its instance, audited:
 * `idle`, past the idle timeout (a fresh one replaces it); `over-max`, more
 * than its pool may hold now. A runner GitHub calls busy took a job just now:
 * it stays.
 */
async function retire(
  runners: readonly WarmRunner[],
  reason: "idle" | "over-max",
  options: WarmPoolOptions,
): Promise<string[]> {
  const { store, provider, github, log, now } = options;
  const retired: string[] = [];
  for (const runner of runners) {
    const removal = runner.runnerName
      ? await github.removeRunner({
        repoFullName: runner.repo,
        installationId: null,
        runnerName: runner.runnerName,
      })
      : "not_found";
    if (removal === "busy") continue;
    await provider.terminate([runner.instanceId]);
    const at = now();
    const detail = reason === "idle"
      ? `warm runner idle for over ${Math.round(options.idleTimeoutMs / 60_000)} min: replaced`
      : "warm pool holds more idle runners than it may now (max, schedule or budget)";
    await store.markTerminated([runner.instanceId], detail, at);
    await store.audit({
      at,
      actor: "warm-pool",
      action: "machine.terminate",
      target: runner.instanceId,
      payload: { reason, detail, runner: runner.runnerName, removal },
    });
    log.info("retired a warm runner", { instanceId: runner.instanceId, reason, removal });
    retired.push(runner.instanceId);
  }
  return retired;
}

/** Launches, configures and records one warm runner; returns its instance, or null. */
async function launchWarm(
  { binding, pool, spec }: { binding: Binding; pool: PoolRow; spec: PoolSpec },
  repo: string,
  seq: number,
  options: WarmPoolOptions,
): Promise<string | null> {
  const { provider, store, vault, github, now, runners } = options;
  const issuedAt = warmSlotOf(now(), options.slotMs ?? DEFAULT_SLOT_MS);
  const clientToken = warmClientTokenOf({ poolId: pool.id, repo, seq, issuedAt });
  const machine = await launchIdleMachine(
    { binding, pool, spec, repo, clientToken, issuedAt, extraTags: { "gantry:warm": "true" } },
    options,
    "warm runner",
  );
  if (!machine) return null;

  const labels = poolLabelSet({
    project: binding.project.name,
    pool: pool.name,
    repoFullName: repo,
    extraLabels: pool.extraLabels,
  });
  const { jit, runnerName } = await registerRunner(github, {
    repoFullName: repo,
    installationId: null,
    runnerName: `gantry-warm-${machine.id}`,
    labels,
  }, now);
  await vault.deposit([{
    batchId: clientToken,
    instanceId: machine.id,
    jobId: WARM_JOB_ID,
    runnerName,
    encodedJitConfig: jit.encodedJitConfig,
    expiresAt: now() + runners.bootTimeoutSeconds * 1000,
  }]);
  const price = await provider.quote(machine);
  await store.recordInstances([instanceRowOf(machine, {
    poolId: pool.id,
    jobId: null,
    runnerName,
    priceUsdPerHour: price,
    launchedAt: now(),
    clientToken,
    warmRepoFullName: repo,
  })]);
  return machine.id;
}

/** Runs `warmPoolOnce` every `intervalMs` until `signal` aborts; a failed tick is logged. */
export async function runWarmPool(
  options: WarmPoolOptions & { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  await runEvery({ ...options, what: "warm pool tick" }, () => warmPoolOnce(options));
}
