/**
 * The overview's month: finished jobs per UTC day (by the day they were
 * queued) and month-to-date spend by project and repo, from the daily
 * roll-ups — a month is whole days, so no job row is read.
 */
import { sql } from "drizzle-orm";
import type { DailyOutcomesResponse, SpendResponse } from "../../shared/schema/stats.ts";
import { DAY_MS, dayOf, type TimeRange } from "../../shared/stats/window.ts";
import type { Database } from "./database.ts";
import { keyNames } from "./stats_query.ts";

/** The current UTC month up to the end of today. */
export function monthOf(now: number): TimeRange {
  const date = new Date(now);
  return {
    from: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
    to: dayOf(now) + DAY_MS,
  };
}

/** Completed and failed/reaped jobs per day of the current month, zeros included. */
export async function dailyOutcomes(db: Database, now: number): Promise<DailyOutcomesResponse> {
  const month = monthOf(now);
  const rows = await db.all<{ day: number; completed: number; failed: number }>(
    sql`SELECT day, sum(completed) AS completed, sum(failed) AS failed FROM job_rollups_daily
      WHERE kind = 'project' AND day >= ${month.from} AND day < ${month.to} GROUP BY day`,
  );
  const byDay = new Map(rows.map((row) => [Number(row.day), row]));
  const days = [];
  for (let day = month.from; day < month.to; day += DAY_MS) {
    const row = byDay.get(day);
    days.push({ day, completed: Number(row?.completed ?? 0), failed: Number(row?.failed ?? 0) });
  }
  return { month, days };
}

/** Month-to-date spend: the total, and the five most expensive projects and repos. */
export async function monthSpend(db: Database, now: number): Promise<SpendResponse> {
  const month = monthOf(now);
  const top = (kind: "project" | "repo") =>
    db.all<{ key: string; cost: number; jobs: number }>(
      sql`SELECT key, sum(cost_micro_usd) AS cost, sum(jobs) AS jobs FROM job_rollups_daily
        WHERE kind = ${kind} AND day >= ${month.from} AND day < ${month.to}
        GROUP BY key HAVING sum(cost_micro_usd) > 0 ORDER BY cost DESC, key LIMIT 5`,
    );
  const [projects, repos, totals] = await Promise.all([
    top("project"),
    top("repo"),
    db.all<{ cost: number | null; unquoted: number | null }>(
      sql`SELECT sum(cost_micro_usd) AS cost, sum(unquoted) AS unquoted FROM job_rollups_daily
        WHERE kind = 'project' AND day >= ${month.from} AND day < ${month.to}`,
    ),
  ]);
  const nameOf = await keyNames(db);
  const rowsOf = (kind: "project" | "repo", rows: typeof projects) =>
    rows.map((row) => ({
      key: row.key,
      label: nameOf(kind, row.key),
      costUsd: Number(row.cost) / 1e6,
      jobs: Number(row.jobs),
    }));
  return {
    month,
    totalUsd: Number(totals[0]?.cost ?? 0) / 1e6,
    unquoted: Number(totals[0]?.unquoted ?? 0),
    projects: rowsOf("project", projects),
    repos: rowsOf("repo", repos),
  };
}
