/**
 * The console's warm capacity: per pool and kind, what the core's last warm
 * tick chose and why (`warm_decisions`), what waits now, and what idle
 * capacity cost this UTC day (shared/stats/warm_cost.ts). Reads the warm
 * instances alive at some point today: live ones (indexed by
 * `terminated_at`) and those that ended since the day began.
 */
import { asc, eq, sql } from "drizzle-orm";
import { pools, projects, warmDecisions } from "../../shared/db/schema.ts";
import { WARM_KINDS } from "../../shared/launch/warm_bounds.ts";
import type { WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";
import { warmCostKey, warmCostOf, type WarmInstance } from "../../shared/stats/warm_cost.ts";
import { dayOf } from "../../shared/stats/window.ts";
import type { Database } from "./database.ts";

export async function warmPools(db: Database, now: number): Promise<WarmPoolsResponse> {
  const day = { from: dayOf(now), to: now };
  const [poolRows, decisions, instanceRows] = await db.batch([
    db.select({ id: pools.id, name: pools.name, project: projects.name }).from(pools)
      .innerJoin(projects, eq(projects.id, pools.projectId))
      .orderBy(asc(projects.name), asc(pools.name)),
    db.select().from(warmDecisions),
    db.all<Record<string, unknown>>(
      sql`SELECT i.pool_id, i.warm_repo_full_name, i.standby, i.launched_at, i.terminated_at,
              i.price_usd_per_hour, p.root_volume_gb,
              (SELECT min(j.started_at) FROM jobs j WHERE j.instance_id = i.id) AS used_at,
              EXISTS (SELECT 1 FROM jobs j WHERE j.instance_id = i.id) AS is_used
         FROM instances i JOIN pools p ON p.id = i.pool_id
        WHERE (i.warm_repo_full_name IS NOT NULL OR i.standby IS NOT NULL)
          AND (i.terminated_at IS NULL OR i.terminated_at > ${day.from})`,
    ),
  ]);
  const costs = warmCostOf(instanceRows.map((row) => instanceOf(row, now)), day);
  const decisionOf = new Map(decisions.map((d) => [warmCostKey(d.poolId, d.kind), d]));
  return {
    generatedAt: now,
    day,
    pools: poolRows.map((pool) => ({
      poolId: pool.id,
      project: pool.project,
      pool: pool.name,
      kinds: WARM_KINDS.map((kind) => {
        const decision = decisionOf.get(warmCostKey(pool.id, kind));
        const cost = costs.get(warmCostKey(pool.id, kind));
        return {
          kind,
          decision: decision
            ? {
              target: decision.target,
              max: decision.max,
              reason: decision.reason,
              idleUsdPerDay: decision.idleUsdPerDay,
              decidedAt: decision.decidedAt,
              changedAt: decision.changedAt,
            }
            : null,
          current: cost?.current ?? 0,
          idleUsdToday: cost?.idleUsd ?? 0,
          unquoted: cost?.unquoted ?? 0,
        };
      }),
    })),
  };
}

/** A row of the instances read; a job that ran on a hot runner ends its idling (at its start, else now). */
function instanceOf(row: Record<string, unknown>, now: number): WarmInstance {
  const isHot = row.warm_repo_full_name !== null;
  return {
    poolId: String(row.pool_id),
    kind: isHot ? "hot" : "stopped",
    launchedAt: Number(row.launched_at),
    terminatedAt: row.terminated_at === null ? null : Number(row.terminated_at),
    usedAt: !isHot || !row.is_used ? null : row.used_at === null ? now : Number(row.used_at),
    isClaimed: row.standby === "claimed",
    priceUsdPerHour: row.price_usd_per_hour === null ? null : Number(row.price_usd_per_hour),
    rootVolumeGb: Number(row.root_volume_gb),
  };
}
