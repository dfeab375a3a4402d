/**
 * Stopped warm pools: a pool with `stopped_min` keeps that many instances
 * booted once (runner installed, disk warm) and then stopped. They hold no
 * runner registration and no JIT config; a job starts one instead of
 * launching a machine, and after its job it is terminated and replaced. Decided
 * from data alone: how many to launch, which to retire, and how to start one
 * for a job (resize it first when the job wants another size).
 */
import { MAX_CLIENT_TOKEN_LENGTH } from "./batch.ts";
import { fnv1a32Hex } from "../fnv.ts";

/** Where a stopped-pool instance is in its life (`instances.standby`). */
export type StandbyState = "preparing" | "stopped" | "claimed";

/** A pool that wants between `min` and `max` stopped instances. */
export interface StoppedTarget {
  poolId: string;
  min: number;
  max: number;
}

/** A live stopped-pool instance not yet claimed by a job. */
export interface StandbyInstance {
  instanceId: string;
  poolId: string;
  state: "preparing" | "stopped";
  launchedAt: number;
}

export interface StoppedPolicy {
  now: number;
  /** A first boot that has not stopped within this is given up (terminated, replaced). */
  prepareTimeoutMs: number;
  /**
   * A stopped instance older than this is replaced: its boot token runs out
   * then, and a replacement boots the pool's current image.
   */
  maxAgeMs: number;
}

/** Why a stopped-pool instance is terminated without serving a job. */
export type RetireReason = "prepare-timeout" | "max-age" | "over-max" | "pool-off";

export interface StoppedPlan {
  /** Instances to launch (and prepare), per pool. */
  launch: { poolId: string; count: number }[];
  retire: { instanceId: string; reason: RetireReason }[];
}

/**
 * What each pool lacks or holds too much of. Preparing instances count
 * toward the pool (they will be stopped soon); a pool no longer a target
 * (its minimum went to 0, or it was disabled) retires what it holds.
 */
export function planStoppedPool(
  targets: readonly StoppedTarget[],
  instances: readonly StandbyInstance[],
  policy: StoppedPolicy,
): StoppedPlan {
  const byPool = new Map(targets.map((t) => [t.poolId, t]));
  const retire: StoppedPlan["retire"] = [];
  const kept = new Map<string, StandbyInstance[]>();
  for (const instance of instances) {
    const age = policy.now - instance.launchedAt;
    if (!byPool.has(instance.poolId)) {
      retire.push({ instanceId: instance.instanceId, reason: "pool-off" });
    } else if (instance.state === "preparing" && age > policy.prepareTimeoutMs) {
      retire.push({ instanceId: instance.instanceId, reason: "prepare-timeout" });
    } else if (age > policy.maxAgeMs) {
      retire.push({ instanceId: instance.instanceId, reason: "max-age" });
    } else {
      kept.set(instance.poolId, [...(kept.get(instance.poolId) ?? []), instance]);
    }
  }
  const launch: StoppedPlan["launch"] = [];
  for (const target of targets) {
    const held = kept.get(target.poolId) ?? [];
    const max = Math.max(target.max, 0);
    if (held.length > max) {
      // The oldest go first: the young ones boot the current image.
      const surplus = [...held].sort((a, b) => a.launchedAt - b.launchedAt)
        .slice(0, held.length - max);
      for (const s of surplus) retire.push({ instanceId: s.instanceId, reason: "over-max" });
    }
    const count = Math.min(target.min, max) - held.length;
    if (count > 0) launch.push({ poolId: target.poolId, count });
  }
  return { launch, retire };
}

/** How to start a claimed stopped instance for a job. */
export interface StartPlan {
  /** The size to change it to before starting, or null to start it as it is. */
  resizeTo: string | null;
}

/**
 * A job wants its pool's first size (the pool's sizes are in order of
 * preference). A stopped instance of another size is resized first when the
 * provider can (`capabilities.stopStart`), so one stopped pool serves the
 * pool's sizes as they change; otherwise it starts as it is.
 */
export function planStart(
  input: { size: string | null; wanted: string; canResize: boolean },
): StartPlan {
  const isOther = input.size !== input.wanted;
  return { resizeTo: isOther && input.canResize ? input.wanted : null };
}

/** Stopped-pool launch tokens start with this: never a job batch's token, nor a hot warm one's. */
export const STOPPED_TOKEN_PREFIX = "s";

/** Whether a client token (recorded on an instance, or on a job started from one) is a stopped pool's. */
export function isStoppedToken(token: string | null): boolean {
  return token !== null && token.startsWith(STOPPED_TOKEN_PREFIX);
}

/**
 * The client token of the `seq`-th stopped instance ever launched for a pool
 * in the time slot starting at `issuedAt`: a repeated tick, a second core or a
 * crash before the launch was recorded sends the same token within the slot,
 * and the provider launches it once.
 */
export function stoppedClientTokenOf(
  input: { poolId: string; seq: number; issuedAt: number },
): string {
  const token = `${STOPPED_TOKEN_PREFIX}${input.issuedAt.toString(36)}-${
    fnv1a32Hex(input.poolId)
  }-${input.seq}`;
  if (token.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw new RangeError(`client token too long (${token.length}): ${token}`);
  }
  return token;
}
