/**
 * The stats page's numbers for a window: whole UTC days from the daily
 * roll-ups and whole hours at the ragged ends from the hourly ones (both
 * kept by triggers on `jobs`), and the part-hours at the very ends straight
 * from `jobs` with the same per-job SQL, all in one round trip. A 90-day
 * window reads a few thousand roll-up rows and at most two hours of jobs.
 */
import { type SQL, sql } from "drizzle-orm";
import { pools, projects } from "../../shared/db/schema.ts";
import { LATENCY_BOUNDS_S, percentileOfHistogram } from "../../shared/stats/latency.ts";
import {
  DAILY,
  fromSql,
  HOURLY,
  keySql,
  measuresSql,
  type RollupGrain,
  type RollupKind,
} from "../../shared/stats/rollup_sql.ts";
import { DAY_MS, planWindow, type TimeRange } from "../../shared/stats/window.ts";
import type {
  PoolLatency,
  StatsGroupRow,
  StatsMeasures,
  StatsQuery,
  StatsResponse,
} from "../../shared/schema/stats.ts";
import type { Database } from "./database.ts";

/** Sums as SQL returns them (cost in micro-dollars). */
export interface RollupSums {
  key: string;
  jobs: number;
  completed: number;
  failed: number;
  runtime_ms: number;
  cost_micro_usd: number;
  unquoted: number;
}

const SUMS = sql.raw(
  "sum(jobs) AS jobs, sum(completed) AS completed, sum(failed) AS failed, " +
    "sum(runtime_ms) AS runtime_ms, sum(cost_micro_usd) AS cost_micro_usd, " +
    "sum(unquoted) AS unquoted",
);

/** Sums of `kind` per key over whole days or hours `[from, to)` from the roll-ups. */
export function rollupSumsSql(kind: RollupKind, range: TimeRange, grain = DAILY): SQL {
  const at = sql.raw(grain.column);
  return sql`SELECT key, ${SUMS} FROM ${sql.raw(grain.table)}
    WHERE kind = ${kind} AND ${at} >= ${range.from} AND ${at} < ${range.to} GROUP BY key`;
}

/** The same sums read from `jobs` for jobs queued in `[from, to)`. */
export function rawSumsSql(kind: RollupKind, range: TimeRange): SQL {
  const m = measuresSql("a");
  return sql`SELECT ${sql.raw(keySql(kind, "a"))} AS key, count(*) AS jobs,
    sum(${sql.raw(m.completed)}) AS completed, sum(${sql.raw(m.failed)}) AS failed,
    sum(${sql.raw(m.runtime_ms)}) AS runtime_ms,
    sum(${sql.raw(m.cost_micro_usd)}) AS cost_micro_usd, sum(${sql.raw(m.unquoted)}) AS unquoted
    FROM ${sql.raw(fromSql(kind, "a"))}
    WHERE a.queued_at >= ${range.from} AND a.queued_at < ${range.to} GROUP BY 1`;
}

function latencyRollupSql(range: TimeRange, grain: RollupGrain): SQL {
  const at = sql.raw(grain.column);
  return sql`SELECT pool_key, bucket, sum(jobs) AS jobs FROM ${sql.raw(grain.latencyTable)}
    WHERE ${at} >= ${range.from} AND ${at} < ${range.to} GROUP BY pool_key, bucket`;
}

function latencyRawSql(range: TimeRange): SQL {
  const m = measuresSql("a");
  return sql`SELECT coalesce(a.pool_id, '') AS pool_key, ${sql.raw(m.latency_bucket)} AS bucket,
    count(*) AS jobs FROM jobs AS a
    WHERE a.queued_at >= ${range.from} AND a.queued_at < ${range.to}
      AND a.started_at IS NOT NULL GROUP BY 1, 2`;
}

/** The window a query asks for, as `[from, to)`. */
export function windowOf(query: StatsQuery, now: number): TimeRange {
  if (query.window === "custom") return { from: query.from!, to: query.to! };
  const days = Number(query.window.replace("d", ""));
  return { from: now - days * DAY_MS, to: now };
}

/** The queries {@link namerOf} needs, to batch with others. */
export function namesQueries(db: Database) {
  return [
    db.select({ id: projects.id, name: projects.name }).from(projects),
    db.select({ id: pools.id, name: pools.name, projectId: pools.projectId }).from(pools),
  ] as const;
}

/** Names for roll-up keys: project ids, pool ids (as `project/pool`), '' as "(none)". */
export async function keyNames(db: Database) {
  const [projectRows, poolRows] = await db.batch(namesQueries(db));
  return namerOf(projectRows, poolRows);
}

/** {@link keyNames} from rows already read. */
export function namerOf(
  projectRows: { id: string; name: string }[],
  poolRows: { id: string; name: string; projectId: string }[],
) {
  const projectName = new Map(projectRows.map((p) => [p.id, p.name]));
  const poolName = new Map(
    poolRows.map((p) => [p.id, `${projectName.get(p.projectId) ?? p.projectId}/${p.name}`]),
  );
  return (kind: RollupKind, key: string): string => {
    if (key === "") return kind === "sender" ? "(unknown)" : "(none)";
    if (kind === "project") return projectName.get(key) ?? key;
    if (kind === "pool") return poolName.get(key) ?? key;
    return key;
  };
}

/** Stats for `query`'s window at `now`. */
export async function stats(db: Database, query: StatsQuery, now: number): Promise<StatsResponse> {
  const window = windowOf(query, now);
  const plan = planWindow(window, now);
  const kinds = [...new Set<RollupKind>(["project", query.groupBy, "sender"])];
  const sumsOf = (kind: RollupKind) => [
    ...(plan.days ? [rollupSumsSql(kind, plan.days, DAILY)] : []),
    ...plan.hours.map((range) => rollupSumsSql(kind, range, HOURLY)),
    ...plan.raw.map((range) => rawSumsSql(kind, range)),
  ];
  const latencyStatements = [
    ...(plan.days ? [latencyRollupSql(plan.days, DAILY)] : []),
    ...plan.hours.map((range) => latencyRollupSql(range, HOURLY)),
    ...plan.raw.map(latencyRawSql),
  ];
  const statements = [...kinds.flatMap(sumsOf), ...latencyStatements];
  // One round trip: the names, then every sum and histogram part.
  const [projectRows, poolRows, ...results] = await db.batch([
    ...namesQueries(db),
    ...statements.map((statement) => db.all(statement)),
  ]) as unknown as [
    { id: string; name: string }[],
    { id: string; name: string; projectId: string }[],
    ...unknown[][],
  ];
  const nameOf = namerOf(projectRows, poolRows);

  // Results come back in statement order: each kind's parts, then latency's.
  let next = 0;
  const merged = new Map<RollupKind, Map<string, StatsMeasures>>();
  for (const kind of kinds) {
    const byKey = new Map<string, StatsMeasures>();
    for (let i = 0; i < sumsOf(kind).length; i++) {
      for (const row of results[next++] as RollupSums[]) addSums(byKey, row);
    }
    merged.set(kind, byKey);
  }
  const histograms = new Map<string, number[]>();
  for (; next < results.length; next++) {
    for (const row of results[next] as { pool_key: string; bucket: number; jobs: number }[]) {
      const counts = histograms.get(row.pool_key) ??
        new Array(LATENCY_BOUNDS_S.length + 1).fill(0);
      counts[Number(row.bucket)] += Number(row.jobs);
      histograms.set(row.pool_key, counts);
    }
  }

  const totals = emptyMeasures();
  for (const measures of merged.get("project")!.values()) addTo(totals, measures);
  const groups: StatsGroupRow[] = [...merged.get(query.groupBy)!.entries()]
    .filter(([, m]) => m.jobs > 0)
    .map(([key, m]) => ({ key, label: nameOf(query.groupBy, key), ...m }))
    .sort((a, b) => b.costUsd - a.costUsd || b.jobs - a.jobs || a.label.localeCompare(b.label));
  const senders = [...merged.get("sender")!.entries()]
    .filter(([, m]) => m.jobs > 0)
    .map(([key, m]) => ({ sender: nameOf("sender", key), jobs: m.jobs, costUsd: m.costUsd }))
    .sort((a, b) => b.jobs - a.jobs || b.costUsd - a.costUsd || a.sender.localeCompare(b.sender))
    .slice(0, 5);
  const latency: PoolLatency[] = [...histograms.entries()]
    .map(([poolKey, counts]) => ({
      poolKey,
      pool: nameOf("pool", poolKey),
      started: counts.reduce((sum, n) => sum + n, 0),
      p50Ms: percentileOfHistogram(counts, 50),
      p95Ms: percentileOfHistogram(counts, 95),
    }))
    .filter((row) => row.started > 0)
    .sort((a, b) => a.pool.localeCompare(b.pool));
  return { window, groupBy: query.groupBy, totals, groups, senders, latency };
}

/** Zero of every measure. */
export function emptyMeasures(): StatsMeasures {
  return { jobs: 0, completed: 0, failed: 0, runtimeMs: 0, costUsd: 0, unquoted: 0 };
}

function addSums(byKey: Map<string, StatsMeasures>, row: RollupSums): void {
  const measures = byKey.get(row.key) ?? emptyMeasures();
  addTo(measures, {
    jobs: Number(row.jobs),
    completed: Number(row.completed),
    failed: Number(row.failed),
    runtimeMs: Number(row.runtime_ms),
    costUsd: Number(row.cost_micro_usd) / 1e6,
    unquoted: Number(row.unquoted),
  });
  byKey.set(row.key, measures);
}

function addTo(into: StatsMeasures, add: StatsMeasures): void {
  into.jobs += add.jobs;
  into.completed += add.completed;
  into.failed += add.failed;
  into.runtimeMs += add.runtimeMs;
  // Micro-dollar sums are exact; adding the parts can only add float noise below a micro-dollar.
  into.costUsd = Math.round((into.costUsd + add.costUsd) * 1e6) / 1e6;
  into.unquoted += add.unquoted;
}
