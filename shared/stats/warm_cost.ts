/**
 * What warm capacity cost over a span (the console's "today"), from the
 * instances that waited in it: a hot runner at its own price while idle
 * (launch to its first job's start, its end, or now), a stopped-pool
 * instance its root volume while it waited (launch to its end or now; one a
 * job claimed is no longer waiting, and its wait before is not recorded).
 * Pure: the span and the rows come in.
 *
 * @module
 */
import { idleUsdPerDay } from "../launch/warm_schedule.ts";
import type { WarmKindName } from "../launch/warm_bounds.ts";

/** One warm instance as the books hold it. */
export interface WarmInstance {
  poolId: string;
  kind: WarmKindName;
  launchedAt: number;
  /** Null while it lives. */
  terminatedAt: number | null;
  /** Hot: when the first job on it started; null while it idles. */
  usedAt: number | null;
  /** Stopped: claimed by a job (waiting no more). */
  isClaimed: boolean;
  priceUsdPerHour: number | null;
  rootVolumeGb: number;
}

/** One pool's kind: waiting now, its idle cost over the span, hot instances with no price. */
export interface WarmCost {
  current: number;
  idleUsd: number;
  unquoted: number;
}

const HOUR_MS = 3600_000;

/** Cost and count per `${poolId}\n${kind}` over `[from, to)`, `to` being now. */
export function warmCostOf(
  rows: readonly WarmInstance[],
  span: { from: number; to: number },
): Map<string, WarmCost> {
  const costs = new Map<string, WarmCost>();
  for (const row of rows) {
    const key = warmCostKey(row.poolId, row.kind);
    const cost = costs.get(key) ?? { current: 0, idleUsd: 0, unquoted: 0 };
    costs.set(key, cost);
    const waitEnd = row.kind === "hot" ? row.usedAt : row.isClaimed ? row.launchedAt : null;
    const isWaiting = row.terminatedAt === null && waitEnd === null;
    if (isWaiting) cost.current++;
    const end = Math.min(row.terminatedAt ?? span.to, waitEnd ?? span.to, span.to);
    const hours = Math.max(0, end - Math.max(row.launchedAt, span.from)) / HOUR_MS;
    if (hours === 0) continue;
    if (row.kind === "stopped") {
      const perDay = idleUsdPerDay("stopped", {
        priceUsdPerHour: null,
        rootVolumeGb: row.rootVolumeGb,
      })!;
      cost.idleUsd += (perDay * hours) / 24;
    } else if (row.priceUsdPerHour === null) cost.unquoted++;
    else cost.idleUsd += row.priceUsdPerHour * hours;
  }
  return costs;
}

/** The key {@link warmCostOf} answers by. */
export function warmCostKey(poolId: string, kind: WarmKindName): string {
  return `${poolId}\n${kind}`;
}
