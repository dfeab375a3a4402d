/**
 * What one job adds to the daily roll-ups, as SQL over a row alias (`NEW`,
 * `OLD` in the triggers, a `jobs` alias in backfills and in the queries that
 * read a window's ragged ends straight from `jobs`). One definition for all
 * three keeps the roll-ups and the raw reads in agreement.
 *
 * @module
 */
import { latencyBucketSql } from "./latency.ts";

/** Dimensions a roll-up row is keyed by. */
export const ROLLUP_KINDS = ["project", "pool", "repo", "sender", "label"] as const;
/** A roll-up dimension. */
export type RollupKind = typeof ROLLUP_KINDS[number];

/** The measures, in column order, as SQL over the row alias `a`. */
export function measuresSql(a: string) {
  const start = `coalesce(${a}.started_at, ${a}.launched_at)`;
  const ran = `${a}.completed_at IS NOT NULL AND ${start} IS NOT NULL`;
  return {
    day: `((${a}.queued_at / 86400000) * 86400000)`,
    hour: `((${a}.queued_at / 3600000) * 3600000)`,
    completed: `(${a}.state = 'completed')`,
    failed: `(${a}.state IN ('failed', 'reaped'))`,
    runtime_ms: `(CASE WHEN ${ran} THEN max(0, ${a}.completed_at - ${start}) ELSE 0 END)`,
    cost_micro_usd: `coalesce(CAST(round(${a}.cost_usd * 1000000) AS INTEGER), 0)`,
    unquoted: `(${ran} AND ${a}.cost_usd IS NULL)`,
    latency_bucket: latencyBucketSql(`max(0, ${a}.started_at - ${a}.queued_at)`),
  };
}

/** The key expression of `kind` over the row alias `a`; labels come from `json_each` as `l`. */
export function keySql(kind: RollupKind, a: string): string {
  switch (kind) {
    case "project":
      return `coalesce(${a}.project_id, '')`;
    case "pool":
      return `coalesce(${a}.pool_id, '')`;
    case "repo":
      return `${a}.repo_full_name`;
    case "sender":
      return `coalesce(${a}.sender, '')`;
    case "label":
      return "l.value";
  }
}

/** `FROM` for reading `kind` from the jobs table under alias `a`. */
export function fromSql(kind: RollupKind, a: string): string {
  return kind === "label" ? `jobs AS ${a}, json_each(${a}.labels) AS l` : `jobs AS ${a}`;
}

/** A roll-up table pair and the time column it is keyed by. */
export interface RollupGrain {
  table: "job_rollups_daily" | "job_rollups_hourly";
  latencyTable: "job_latency_daily" | "job_latency_hourly";
  column: "day" | "hour";
}

export const DAILY: RollupGrain = {
  table: "job_rollups_daily",
  latencyTable: "job_latency_daily",
  column: "day",
};
export const HOURLY: RollupGrain = {
  table: "job_rollups_hourly",
  latencyTable: "job_latency_hourly",
  column: "hour",
};

const columns = (grain: RollupGrain) =>
  `kind, ${grain.column}, key, jobs, completed, failed, runtime_ms, cost_micro_usd, unquoted`;
const ADD = ["jobs", "completed", "failed", "runtime_ms", "cost_micro_usd", "unquoted"]
  .map((c) => `${c} = ${c} + excluded.${c}`).join(", ");

/** One trigger step: add (`sign` 1) or take away (-1) the row `a`'s contribution. */
function applyRowSql(a: "NEW" | "OLD", sign: 1 | -1, grain: RollupGrain): string[] {
  const m = measuresSql(a);
  const at = m[grain.column];
  const s = sign === 1 ? "" : "-";
  const dims = ROLLUP_KINDS.map((kind) =>
    kind === "label"
      ? `SELECT 'label' AS kind, value AS key FROM json_each(${a}.labels)`
      : `SELECT '${kind}' AS kind, ${keySql(kind, a)} AS key`
  ).join(" UNION ALL ");
  return [
    `INSERT INTO ${grain.table} (${columns(grain)}) SELECT d.kind, ${at}, d.key, ${s}1, ` +
    `${s}${m.completed}, ${s}${m.failed}, ${s}${m.runtime_ms}, ${s}${m.cost_micro_usd}, ` +
    `${s}${m.unquoted} FROM (${dims}) AS d WHERE true ` +
    `ON CONFLICT (kind, ${grain.column}, key) DO UPDATE SET ${ADD};`,
    `INSERT INTO ${grain.latencyTable} (${grain.column}, pool_key, bucket, jobs) SELECT ${at}, ` +
    `coalesce(${a}.pool_id, ''), ${m.latency_bucket}, ${s}1 WHERE ${a}.started_at IS NOT NULL ` +
    `ON CONFLICT (${grain.column}, pool_key, bucket) DO UPDATE SET jobs = jobs + excluded.jobs;`,
  ];
}

/** Columns whose change moves a job between roll-up rows or changes its measures. */
const WATCHED = [
  "state",
  "project_id",
  "pool_id",
  "repo_full_name",
  "sender",
  "labels",
  "queued_at",
  "launched_at",
  "started_at",
  "completed_at",
  "cost_usd",
];

/** The backfill of `grain` from the jobs already there. */
function backfillSql(grain: RollupGrain): string[] {
  const m = measuresSql("a");
  const at = m[grain.column];
  const rows = ROLLUP_KINDS.map((kind) =>
    `INSERT INTO ${grain.table} (${columns(grain)}) SELECT '${kind}', ${at} AS t, ${
      keySql(kind, "a")
    } AS k, count(*), sum(${m.completed}), sum(${m.failed}), sum(${m.runtime_ms}), ` +
    `sum(${m.cost_micro_usd}), sum(${m.unquoted}) FROM ${fromSql(kind, "a")} GROUP BY t, k;`
  );
  const latency = `INSERT INTO ${grain.latencyTable} (${grain.column}, pool_key, bucket, jobs) ` +
    `SELECT ${at} AS t, coalesce(a.pool_id, '') AS p, ${m.latency_bucket} AS b, count(*) ` +
    `FROM jobs AS a WHERE a.started_at IS NOT NULL GROUP BY t, p, b;`;
  return [...rows, latency];
}

/**
 * The current triggers (daily and hourly roll-ups), replacing those of
 * 0004, and the backfill of the hourly roll-ups (0004 backfilled the daily
 * ones, which its triggers kept since). This is migration 0006.
 */
export function rollupMigrationStatements(): string[] {
  const body = (steps: string[]) => `BEGIN\n  ${steps.join("\n  ")}\nEND;`;
  const apply = (a: "NEW" | "OLD", sign: 1 | -1) => [
    ...applyRowSql(a, sign, DAILY),
    ...applyRowSql(a, sign, HOURLY),
  ];
  const names = ["insert", "update", "delete"].map((event) => `job_rollups_after_${event}`);
  return [
    ...names.map((name) => `DROP TRIGGER IF EXISTS ${name};`),
    `CREATE TRIGGER ${names[0]} AFTER INSERT ON jobs ${body(apply("NEW", 1))}`,
    `CREATE TRIGGER ${names[1]} AFTER UPDATE OF ${WATCHED.join(", ")} ON jobs ${
      body([...apply("OLD", -1), ...apply("NEW", 1)])
    }`,
    `CREATE TRIGGER ${names[2]} AFTER DELETE ON jobs ${body(apply("OLD", -1))}`,
    ...backfillSql(HOURLY),
  ];
}
