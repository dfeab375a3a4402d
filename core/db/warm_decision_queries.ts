/**
 * Warm sizing's reads and writes in libSQL: the warm fields of the pools a
 * tick sizes, and each kind's decision (`warm_decisions`), one row per pool
 * and kind, replaced every tick so the console reads what holds now.
 */
import type { WarmKindName, WarmReason } from "../../shared/launch/warm_bounds.ts";
import type { PoolWarmFields } from "../../shared/launch/warm_bounds.ts";
import { WarmScheduleSchema } from "../../shared/launch/warm_schedule.ts";
import type { Store } from "./store.ts";

/** A pool's warm fields, and what its idle price depends on. */
export interface WarmPool extends PoolWarmFields {
  id: string;
  /** Its first instance type: the size its warm instances launch as. */
  size: string | null;
  isSpot: boolean;
  rootVolumeGb: number;
}

/** What a tick chose for one kind of one pool. */
export interface WarmDecision {
  poolId: string;
  target: number;
  max: number;
  reason: WarmReason;
  /** One instance's idle cost a day, as the budget saw it; null when none was quoted. */
  idleUsdPerDay: number | null;
}

export class WarmDecisionQueries {
  constructor(private readonly store: Pick<Store, "client">) {}

  /** The warm fields of these pools. */
  async pools(ids: readonly string[]): Promise<WarmPool[]> {
    if (ids.length === 0) return [];
    const result = await this.store.client.execute({
      sql: `SELECT id, instance_types, is_spot, root_volume_gb, min_idle, max_idle, idle_schedule,
                   idle_budget_usd_per_day, stopped_min, stopped_max, stopped_schedule,
                   stopped_budget_usd_per_day
              FROM pools WHERE id IN (${ids.map(() => "?").join(", ")})`,
      args: [...ids],
    });
    return result.rows.map((row) => ({
      id: String(row.id),
      size: (JSON.parse(String(row.instance_types)) as string[])[0] ?? null,
      isSpot: Boolean(row.is_spot),
      rootVolumeGb: Number(row.root_volume_gb),
      minIdle: Number(row.min_idle),
      maxIdle: numberOrNull(row.max_idle),
      idleSchedule: scheduleOf(row.idle_schedule),
      idleBudgetUsdPerDay: numberOrNull(row.idle_budget_usd_per_day),
      stoppedMin: Number(row.stopped_min),
      stoppedMax: numberOrNull(row.stopped_max),
      stoppedSchedule: scheduleOf(row.stopped_schedule),
      stoppedBudgetUsdPerDay: numberOrNull(row.stopped_budget_usd_per_day),
    }));
  }

  /**
   * This tick's decisions for one kind: each pool's row is written (its
   * `changed_at` moves only when the target or the reason did), and rows of
   * pools no longer sized for the kind are dropped.
   */
  async replace(kind: WarmKindName, decisions: readonly WarmDecision[], at: number): Promise<void> {
    for (const d of decisions) {
      await this.store.client.execute({
        sql: `INSERT INTO warm_decisions
                (pool_id, kind, target, max, reason, idle_usd_per_day, decided_at, changed_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (pool_id, kind) DO UPDATE SET
                changed_at = CASE WHEN warm_decisions.target = excluded.target
                                   AND warm_decisions.reason = excluded.reason
                                  THEN warm_decisions.changed_at ELSE excluded.changed_at END,
                target = excluded.target, max = excluded.max, reason = excluded.reason,
                idle_usd_per_day = excluded.idle_usd_per_day, decided_at = excluded.decided_at`,
        args: [d.poolId, kind, d.target, d.max, d.reason, d.idleUsdPerDay, at, at],
      });
    }
    const kept = decisions.map((d) => d.poolId);
    await this.store.client.execute({
      sql: `DELETE FROM warm_decisions WHERE kind = ?${
        kept.length > 0 ? ` AND pool_id NOT IN (${kept.map(() => "?").join(", ")})` : ""
      }`,
      args: [kind, ...kept],
    });
  }
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** A stored schedule; one that no longer parses (written by hand) counts as none. */
function scheduleOf(value: unknown): PoolWarmFields["idleSchedule"] {
  if (value === null || value === undefined) return null;
  const parsed = WarmScheduleSchema.safeParse(JSON.parse(String(value)));
  return parsed.success ? parsed.data : null;
}
