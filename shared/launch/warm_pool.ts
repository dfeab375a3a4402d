/**
 * Warm pools: a pool with `min_idle` keeps that many registered idle runners
 * per repository bound to its project (a runner's labels and registration
 * name one repository), so a queued job starts on one at once. Decided from
 * data alone: which warm runners to launch, and which idle ones are past the
 * idle timeout (the reaper terminates those; they no longer count).
 */
import { MAX_CLIENT_TOKEN_LENGTH } from "./batch.ts";
import { fnv1a32Hex } from "../fnv.ts";

/** A (pool, repo) that wants `minIdle` idle runners, and holds at most `maxIdle`. */
export interface WarmTarget {
  poolId: string;
  repo: string;
  minIdle: number;
  /** Idle runners over it are retired (off hours, a budget); unset: none are. */
  maxIdle?: number;
}

/** A live warm instance (launched for no job). */
export interface WarmRunner {
  instanceId: string;
  poolId: string;
  repo: string;
  launchedAt: number;
  /** A job ran or runs on it: it is no longer idle (its job's completion ends it). */
  isUsed: boolean;
}

export interface WarmPolicy {
  now: number;
  idleTimeoutMs: number;
}

export interface WarmPlan {
  /** Runners to launch, per (pool, repo). */
  launch: { poolId: string; repo: string; count: number }[];
  /** Idle warm runners past the idle timeout: to be replaced (the reaper terminates them). */
  expired: string[];
  /** Idle warm runners over their target's `maxIdle`, the oldest first: to be retired. */
  surplus: string[];
}

const keyOf = (poolId: string, repo: string) => `${poolId}\n${repo}`;

/**
 * How many warm runners each target lacks: `minIdle` less its idle runners
 * younger than the idle timeout, less launches already in flight.
 */
export function planWarmPool(
  targets: readonly WarmTarget[],
  runners: readonly WarmRunner[],
  policy: WarmPolicy,
  inFlight: ReadonlyMap<string, number> = new Map(),
): WarmPlan {
  const idle = new Map<string, WarmRunner[]>();
  const expired: string[] = [];
  for (const runner of runners) {
    if (runner.isUsed) continue;
    if (policy.now - runner.launchedAt > policy.idleTimeoutMs) {
      expired.push(runner.instanceId);
      continue;
    }
    const key = keyOf(runner.poolId, runner.repo);
    idle.set(key, [...(idle.get(key) ?? []), runner]);
  }
  const launch: WarmPlan["launch"] = [];
  const surplus: string[] = [];
  for (const target of targets) {
    const key = keyOf(target.poolId, target.repo);
    const held = idle.get(key) ?? [];
    const count = target.minIdle - held.length - (inFlight.get(key) ?? 0);
    if (count > 0) launch.push({ poolId: target.poolId, repo: target.repo, count });
    const max = target.maxIdle;
    if (max !== undefined && held.length > max) {
      const oldest = [...held].sort((a, b) => a.launchedAt - b.launchedAt);
      surplus.push(...oldest.slice(0, held.length - max).map((r) => r.instanceId));
    }
  }
  return { launch, expired, surplus };
}

/** The in-flight map's key for a (pool, repo). */
export function warmKeyOf(poolId: string, repo: string): string {
  return keyOf(poolId, repo);
}

/** Warm launch tokens start with this, so they never parse as a job batch's token. */
export const WARM_TOKEN_PREFIX = "w";

/**
 * The client token of the `seq`-th warm runner ever launched for (pool, repo)
 * in the time slot starting at `issuedAt`: a tick repeated (or run by two
 * cores, or after a crash before the launch was recorded) within the slot
 * sends the same token, and the provider launches it once.
 */
export function warmClientTokenOf(
  input: { poolId: string; repo: string; seq: number; issuedAt: number },
): string {
  const token = `${WARM_TOKEN_PREFIX}${input.issuedAt.toString(36)}-${
    fnv1a32Hex(`${input.poolId}\n${input.repo}`)
  }-${input.seq}`;
  if (token.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw new RangeError(`client token too long (${token.length}): ${token}`);
  }
  return token;
}

/** The start of the time slot `now` falls in. */
export function warmSlotOf(now: number, slotMs: number): number {
  return now - (now % slotMs);
}
