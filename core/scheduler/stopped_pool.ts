/**
 * Stopped warm pools, the I/O around shared/launch/stopped_pool.ts: every
 * tick, settle what changed (a first boot that stopped is ready; one that
 * ended outside Gantry is closed; a claim whose job went away goes back),
 * then launch what each pool lacks and retire what it should not keep (its
 * min and max now come from warm_sizing.ts: schedule, stopped budget).
 *
 * A stopped-pool instance is launched on-demand (a spot instance cannot be
 * stopped) with the `isStandby` boot script and a boot token that lives as
 * long as the instance may wait. Its first boot installs the runner and
 * reports `prepared`; the core stops it (job_events.ts) and this tick sees it
 * stopped. A job then starts it (stopped_start.ts); after that job it is
 * terminated like any job's instance, and this tick launches its replacement.
 *
 * Idempotent: the n-th stopped launch of a pool in a time slot sends the same
 * client token, so a repeated tick, a second core or a crash before the
 * instance was recorded launches nothing twice.
 */
import {
  planStoppedPool,
  type RetireReason,
  type StandbyInstance,
  stoppedClientTokenOf,
} from "../../shared/launch/stopped_pool.ts";
import { hibernatesStandby, STANDBY_JOB_ID } from "../../shared/launch/standby_wait.ts";
import { warmSlotOf } from "../../shared/launch/warm_pool.ts";
import type { Binding, PoolRow, Store } from "../db/store.ts";
import { instanceRowOf } from "../db/launch_queries.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import type { Logger } from "../log.ts";
import type { PoolSpec, Provider } from "../providers/provider.ts";
import { runEvery } from "../sleep.ts";
import type { LaunchGateView } from "../control/launch_gate.ts";
import { poolSpecOf } from "./pool_spec.ts";
import { launchIdleMachine, type RunnerBoot } from "./runner_launch.ts";
import { sizeStopped } from "./warm_sizing.ts";

export interface StoppedPoolOptions {
  store: Pick<
    Store,
    | "stoppedPool"
    | "bindingOf"
    | "saveLaunchTemplate"
    | "instancesOfLaunch"
    | "recordInstances"
    | "markTerminated"
    | "audit"
    | "warmDecisions"
  >;
  provider: Provider;
  vault: RunnerVault;
  log: Logger;
  now: () => number;
  runners: RunnerBoot;
  /** A stopped instance older than this is replaced; default 24 h. */
  maxAgeMs?: number;
  /** Length of the time slot a launch's client token is good for; default 60 s. */
  slotMs?: number;
  /** An operator's pause or drain: nothing is launched for a held pool. */
  gate?: LaunchGateView;
}

/** What a tick did. */
export interface StoppedTick {
  launched: string[];
  /** First boots seen stopped: ready for jobs. */
  ready: string[];
  retired: string[];
}

/** The job id a preparing instance's deposit carries (it serves none yet). */
export { STANDBY_JOB_ID };

const DEFAULT_MAX_AGE_MS = 24 * 3600_000;
const DEFAULT_SLOT_MS = 60_000;
/** A machine the provider does not know yet is no proof of its end while this young. */
const GONE_GRACE_MS = 5 * 60_000;
/** What the preparing instance's deposit holds: no runner config (it fetches none). */
const NO_CONFIG = btoa("standby");

/** One tick. */
export async function stoppedPoolOnce(options: StoppedPoolOptions): Promise<StoppedTick> {
  const { store, provider, log, now } = options;
  const tick: StoppedTick = { launched: [], ready: [], retired: [] };
  if (!provider.stopStart) return tick;
  const released = await store.stoppedPool.releaseStaleClaims();
  if (released.length > 0) log.info("stopped instances back in their pool", { released });
  const standby = await settle(await store.stoppedPool.standby(), options, tick);
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  // Min and max as the pool's schedule and stopped budget allow now (warm_sizing.ts).
  const targets = await sizeStopped(await store.stoppedPool.targets(), options);
  const plan = planStoppedPool(targets, standby, {
    now: now(),
    prepareTimeoutMs: options.runners.bootTimeoutSeconds * 1000,
    maxAgeMs,
  });
  for (const { instanceId, reason } of plan.retire) {
    await retire(instanceId, reason, options);
    tick.retired.push(instanceId);
  }
  for (const want of plan.launch) {
    if (options.gate && !options.gate.mayLaunch(want.poolId)) continue;
    const repo = targets.find((t) => t.poolId === want.poolId)!.repo;
    const binding = await store.bindingOf(repo);
    const pool = binding?.pools.find((p) => p.id === want.poolId);
    if (!binding || !pool) continue;
    const seq = await store.stoppedPool.launchesSoFar(pool.id);
    try {
      // Stopped instances are on-demand: EC2 cannot stop a one-time spot instance.
      const spec = { ...poolSpecOf(binding.project, pool, provider.capabilities), isSpot: false };
      const template = await provider.ensureTemplate(spec);
      if (template.hash !== spec.template?.hash || template.id !== spec.template?.id) {
        await store.saveLaunchTemplate(pool.id, template);
      }
      for (let i = 0; i < want.count; i++) {
        const id = await launchStandby(
          { binding, pool, spec: { ...spec, template }, repo },
          seq + i,
          { ...options, maxAgeMs },
        );
        if (id) tick.launched.push(id);
      }
    } catch (error) {
      log.warn("stopped instance launch failed; the next tick retries", {
        pool: pool.name,
        error,
      });
    }
  }
  if (tick.launched.length + tick.ready.length + tick.retired.length > 0) {
    log.info("stopped pool tick", { ...tick });
  }
  return tick;
}

/**
 * Asks the provider where each standby instance is: a first boot that
 * stopped is ready; one that ended outside Gantry is closed in the books.
 * Returns the standby instances still live, with their states as now known.
 */
async function settle(
  standby: StandbyInstance[],
  options: StoppedPoolOptions,
  tick: StoppedTick,
): Promise<StandbyInstance[]> {
  if (standby.length === 0) return standby;
  const { store, provider, now } = options;
  const machines = new Map(
    (await provider.describe(standby.map((s) => s.instanceId))).map((m) => [m.id, m]),
  );
  const preparedNow = standby.filter((s) =>
    s.state === "preparing" && machines.get(s.instanceId)?.state === "stopped"
  ).map((s) => s.instanceId);
  const ready = new Set(
    await store.stoppedPool.moveStandby(preparedNow, { from: "preparing", to: "stopped" }),
  );
  tick.ready.push(...ready);
  const live: StandbyInstance[] = [];
  for (const instance of standby) {
    const state = machines.get(instance.instanceId)?.state ?? "gone";
    const isEnded = state === "shutting-down" || state === "terminated" ||
      (state === "gone" && now() - instance.launchedAt > GONE_GRACE_MS);
    if (!isEnded) {
      live.push(ready.has(instance.instanceId) ? { ...instance, state: "stopped" } : instance);
      continue;
    }
    const at = now();
    const reason = `ended outside Gantry (${state})`;
    await store.markTerminated([instance.instanceId], reason, at);
    await store.audit({
      at,
      actor: "stopped-pool",
      action: "machine.gone",
      target: instance.instanceId,
      payload: { reason, state },
    });
  }
  return live;
}

const RETIRE_DETAILS: Record<RetireReason, string> = {
  "prepare-timeout": "stopped pool instance did not finish its first boot in time: replaced",
  "max-age": "stopped pool instance reached its maximum age: replaced",
  "over-max": "stopped pool holds more than it may now (max, schedule or budget)",
  "pool-off": "its pool keeps no stopped instances any more",
};

async function retire(
  instanceId: string,
  reason: RetireReason,
  { store, provider, now, log }: StoppedPoolOptions,
): Promise<void> {
  await provider.terminate([instanceId]);
  const at = now();
  const detail = RETIRE_DETAILS[reason];
  await store.markTerminated([instanceId], detail, at);
  await store.audit({
    at,
    actor: "stopped-pool",
    action: "machine.terminate",
    target: instanceId,
    payload: { reason, detail },
  });
  log.info("retired a stopped pool instance", { instanceId, reason });
}

/** Launches and records one instance to prepare; returns it, or null. */
async function launchStandby(
  { binding, pool, spec, repo }: { binding: Binding; pool: PoolRow; spec: PoolSpec; repo: string },
  seq: number,
  options: StoppedPoolOptions & { maxAgeMs: number },
): Promise<string | null> {
  const { provider, store, vault, now, runners } = options;
  const issuedAt = warmSlotOf(now(), options.slotMs ?? DEFAULT_SLOT_MS);
  const clientToken = stoppedClientTokenOf({ poolId: pool.id, seq, issuedAt });
  const machine = await launchIdleMachine(
    {
      binding,
      pool,
      spec,
      repo,
      clientToken,
      issuedAt,
      extraTags: { "gantry:warm": "stopped" },
      // It boots again on each start, from this same user data: the token outlives its wait.
      standby: {
        tokenTtlSeconds: Math.ceil(options.maxAgeMs / 1000) + runners.bootTimeoutSeconds,
        hibernates: hibernatesStandby(pool),
      },
    },
    options,
    "stopped pool launch",
  );
  if (!machine) return null;
  // No runner config: only so the edge attributes its `prepared` report to it.
  await vault.deposit([{
    batchId: clientToken,
    instanceId: machine.id,
    jobId: STANDBY_JOB_ID,
    runnerName: `gantry-standby-${machine.id}`,
    encodedJitConfig: NO_CONFIG,
    expiresAt: now() + runners.bootTimeoutSeconds * 1000,
  }]);
  await store.recordInstances([instanceRowOf(machine, {
    poolId: pool.id,
    jobId: null,
    runnerName: null,
    priceUsdPerHour: await provider.quote(machine),
    launchedAt: now(),
    clientToken,
    standby: "preparing",
  })]);
  return machine.id;
}

/** Runs `stoppedPoolOnce` every `intervalMs` until `signal` aborts; a failed tick is logged. */
export async function runStoppedPool(
  options: StoppedPoolOptions & { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  await runEvery({ ...options, what: "stopped pool tick" }, () => stoppedPoolOnce(options));
}
