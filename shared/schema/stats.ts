/**
 * Bodies of the console's stats API (`GET /api/v1/stats`) and the
 * overview's month chart and spend card. Times are epoch milliseconds;
 * money is US dollars, unrounded (the console rounds for display).
 *
 * @module
 */
import { z } from "zod";

const EpochMs = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();

/** Preset windows, in days, and `custom` (`from`/`to`). */
export const STATS_WINDOWS = ["1d", "7d", "30d", "90d", "custom"] as const;
/** What a stats table can be grouped by. */
export const STATS_GROUPS = ["project", "pool", "repo", "label"] as const;
/** A stats grouping. */
export type StatsGroup = typeof STATS_GROUPS[number];

const MAX_SPAN_MS = 366 * 86_400_000;

/** Query of `GET /api/v1/stats`. */
export const StatsQuery = z.object({
  window: z.enum(STATS_WINDOWS).default("7d"),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  groupBy: z.enum(STATS_GROUPS).default("project"),
}).superRefine((query, ctx) => {
  if (query.window !== "custom") return;
  if (query.from === undefined) {
    ctx.addIssue({ code: "custom", path: ["from"], message: "a custom window needs from" });
  }
  if (query.to === undefined) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "a custom window needs to" });
  }
  if (query.from === undefined || query.to === undefined) return;
  if (query.to <= query.from) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
  } else if (query.to - query.from > MAX_SPAN_MS) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "a window spans at most 366 days" });
  }
});
/** A parsed stats query. */
export type StatsQuery = z.infer<typeof StatsQuery>;

/** Sums over some jobs. `costUsd` is a floor when `unquoted` > 0. */
export const StatsMeasures = z.object({
  jobs: Count,
  completed: Count,
  /** Failed or reaped. */
  failed: Count,
  /** Runner time of finished jobs, from start (or launch) to completion. */
  runtimeMs: Count,
  costUsd: z.number().nonnegative(),
  /** Finished jobs that had a runner but no price quote: they add nothing to the cost. */
  unquoted: Count,
});
/** Sums over some jobs. */
export type StatsMeasures = z.infer<typeof StatsMeasures>;

/** One group's row: `key` is the id (or repo, label), `label` what the console shows. */
export const StatsGroupRow = StatsMeasures.extend({ key: z.string(), label: z.string() });
/** One group's row. */
export type StatsGroupRow = z.infer<typeof StatsGroupRow>;

/** Queue-to-start latency of one pool's jobs that started. */
export const PoolLatency = z.object({
  poolKey: z.string(),
  pool: z.string(),
  started: Count,
  /** Within the histogram bucket (about ±20 %). */
  p50Ms: z.number().nonnegative().nullable(),
  p95Ms: z.number().nonnegative().nullable(),
});
/** One pool's latency. */
export type PoolLatency = z.infer<typeof PoolLatency>;

/** `GET /api/v1/stats`. */
export const StatsResponse = z.object({
  window: z.object({ from: EpochMs, to: EpochMs }),
  groupBy: z.enum(STATS_GROUPS),
  totals: StatsMeasures,
  /** Most expensive first, then most jobs. A job counts once per label it carries. */
  groups: z.array(StatsGroupRow),
  /** The five senders with the most jobs. */
  senders: z.array(z.object({ sender: z.string(), jobs: Count, costUsd: z.number() })),
  latency: z.array(PoolLatency),
});
/** The stats page's data. */
export type StatsResponse = z.infer<typeof StatsResponse>;

/** `GET /api/v1/overview/daily`: finished jobs per UTC day of the current month. */
export const DailyOutcomesResponse = z.object({
  month: z.object({ from: EpochMs, to: EpochMs }),
  /** Every day from the 1st to today, oldest first. */
  days: z.array(z.object({ day: EpochMs, completed: Count, failed: Count })),
});
/** The month chart's data. */
export type DailyOutcomesResponse = z.infer<typeof DailyOutcomesResponse>;

const SpendRow = z.object({
  key: z.string(),
  label: z.string(),
  costUsd: z.number().nonnegative(),
  jobs: Count,
});

/** `GET /api/v1/overview/spend`: month-to-date estimated spend, top projects and repos. */
export const SpendResponse = z.object({
  month: z.object({ from: EpochMs, to: EpochMs }),
  totalUsd: z.number().nonnegative(),
  unquoted: Count,
  projects: z.array(SpendRow),
  repos: z.array(SpendRow),
});
/** The spend card's data. */
export type SpendResponse = z.infer<typeof SpendResponse>;
