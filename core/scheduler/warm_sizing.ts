/**
 * Warm sizing, the I/O around shared/launch/warm_bounds.ts: each warm tick
 * (hot: warm_pool.ts; stopped: stopped_pool.ts) asks here how many idle
 * instances each pool keeps now and how many it may hold, from the pool's
 * min/max, schedule and idle budget, at the tick's clock and the provider's
 * price; the decision and its reason are recorded for the console.
 *
 * A hot pool keeps its runners per bound repo: its bounds are for the pool as
 * a whole (its budget is the pool's), spread over its repos in name order.
 */
import {
  shareOf,
  type WarmBounds,
  warmBoundsAt,
  type WarmKindName,
} from "../../shared/launch/warm_bounds.ts";
import { idleUsdPerDay } from "../../shared/launch/warm_schedule.ts";
import type { WarmTarget } from "../../shared/launch/warm_pool.ts";
import type { StoppedTarget } from "../../shared/launch/stopped_pool.ts";
import type { WarmDecision, WarmDecisionQueries, WarmPool } from "../db/warm_decision_queries.ts";
import type { Provider } from "../providers/provider.ts";

export interface WarmSizingOptions {
  store: { warmDecisions: Pick<WarmDecisionQueries, "pools" | "replace"> };
  provider: Pick<Provider, "quote" | "capabilities">;
  now: () => number;
}

/** The hot targets with each (pool, repo)'s share of its pool's bounds now. */
export async function sizeHot<T extends WarmTarget>(
  targets: readonly T[],
  options: WarmSizingOptions,
): Promise<(T & { maxIdle: number })[]> {
  const reposOf = new Map<string, T[]>();
  for (const t of targets) reposOf.set(t.poolId, [...(reposOf.get(t.poolId) ?? []), t]);
  const bounds = await boundsOf("hot", reposOf, options);
  // A pool deleted since the targets were read is sized no more.
  return [...reposOf.values()].filter((repos) => bounds.has(repos[0].poolId)).flatMap((repos) =>
    [...repos].sort((a, b) => a.repo.localeCompare(b.repo)).map((t, index) => {
      const pool = bounds.get(t.poolId)!;
      return {
        ...t,
        minIdle: shareOf(pool.target, index, repos.length),
        maxIdle: shareOf(pool.max, index, repos.length),
      };
    })
  );
}

/** The stopped targets with each pool's bounds now. */
export async function sizeStopped<T extends StoppedTarget>(
  targets: readonly T[],
  options: WarmSizingOptions,
): Promise<T[]> {
  const bounds = await boundsOf("stopped", new Map(targets.map((t) => [t.poolId, [t]])), options);
  return targets.filter((t) => bounds.has(t.poolId)).map((t) => {
    const pool = bounds.get(t.poolId)!;
    return { ...t, min: pool.target, max: pool.max };
  });
}

/** Each pool's bounds for `kind`, recorded; `copies` per pool: its bound repos (hot) or one. */
async function boundsOf(
  kind: WarmKindName,
  copiesOf: ReadonlyMap<string, readonly unknown[]>,
  options: WarmSizingOptions,
): Promise<Map<string, WarmBounds>> {
  const now = options.now();
  const pools = await options.store.warmDecisions.pools([...copiesOf.keys()]);
  const bounds = new Map<string, WarmBounds>();
  const decisions: WarmDecision[] = [];
  for (const pool of pools) {
    const perDay = await idleCostOf(kind, pool, options.provider);
    const chosen = warmBoundsAt(pool, kind, {
      now,
      idleUsdPerDay: perDay,
      copies: copiesOf.get(pool.id)?.length ?? 1,
    });
    bounds.set(pool.id, chosen);
    decisions.push({ poolId: pool.id, ...chosen, idleUsdPerDay: perDay });
  }
  await options.store.warmDecisions.replace(kind, decisions, now);
  return bounds;
}

/**
 * What one instance of `kind` costs a day idle: hot, its size's quoted price
 * around the clock (asked only when a budget needs it); stopped, its root
 * volume's storage.
 */
async function idleCostOf(
  kind: WarmKindName,
  pool: WarmPool,
  provider: WarmSizingOptions["provider"],
): Promise<number | null> {
  if (kind === "stopped") {
    return idleUsdPerDay("stopped", { priceUsdPerHour: null, rootVolumeGb: pool.rootVolumeGb });
  }
  if (pool.idleBudgetUsdPerDay === null || pool.size === null) return null;
  const price = await provider.quote({
    size: pool.size,
    zone: null,
    isSpot: pool.isSpot && provider.capabilities.spot,
  });
  return idleUsdPerDay("hot", { priceUsdPerHour: price, rootVolumeGb: pool.rootVolumeGb });
}
