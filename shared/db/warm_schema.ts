/**
 * The warm sizing's last decision per pool and kind (shared/launch/warm_bounds.ts),
 * written by the core each warm tick, read by the console: what it keeps and why.
 * Part of the libSQL schema (re-exported by `schema.ts`, which drizzle-kit reads).
 */
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { WARM_KINDS, WARM_REASONS } from "../launch/warm_bounds.ts";

export const warmDecisions = sqliteTable("warm_decisions", {
  poolId: text("pool_id").notNull(),
  kind: text("kind", { enum: WARM_KINDS }).notNull(),
  /** Idle instances to keep (the pool's whole, over every bound repo for the hot kind). */
  target: integer("target").notNull(),
  /** Most to hold; those over it are retired. */
  max: integer("max").notNull(),
  reason: text("reason", { enum: WARM_REASONS }).notNull(),
  /** What one instance of the kind costs a day idle, as the budget saw it; null: unquoted. */
  idleUsdPerDay: real("idle_usd_per_day"),
  /** When the tick last decided (epoch ms). */
  decidedAt: integer("decided_at").notNull(),
  /** When the target or the reason last changed. */
  changedAt: integer("changed_at").notNull(),
}, (t) => [primaryKey({ columns: [t.poolId, t.kind] })]);
