/**
 * The overview tiles in one round trip: projects, bound repos, unfinished
 * jobs by state, and jobs queued in the window by state with their spend.
 * Every job count reads an index (`jobs_state_queued_at_idx`,
 * `jobs_queued_at_idx`).
 */
import { count, gte, inArray, sql } from "drizzle-orm";
import { jobs, projects, repos } from "../../shared/db/schema.ts";
import { isJobState, type JobState, TERMINAL_STATES } from "../../shared/job_state.ts";
import { JOB_STATES } from "../../shared/job_state.ts";
import type { OverviewResponse } from "../../shared/schema/console.ts";
import type { Database } from "./database.ts";
import { coreHealthOf } from "../../shared/core_health.ts";
import { coreBeats } from "../control/control_store.ts";

const ACTIVE_STATES = JOB_STATES.filter((state) => !TERMINAL_STATES.includes(state));

/** Counts for the overview; `queue` comes from the edge's queue object. */
export async function overview(
  db: Database,
  options: { windowHours: number; now: number; queue: OverviewResponse["queue"] },
): Promise<OverviewResponse> {
  const from = options.now - options.windowHours * 3600_000;
  const [[projectCount], [repoCount], active, inWindow] = await db.batch([
    db.select({ n: count() }).from(projects),
    db.select({ n: count() }).from(repos),
    db.select({ state: jobs.state, n: count() }).from(jobs)
      .where(inArray(jobs.state, ACTIVE_STATES))
      .groupBy(jobs.state),
    db.select({
      state: jobs.state,
      n: count(),
      spend: sql<number>`coalesce(sum(${jobs.costUsd}), 0)`.mapWith(Number),
    }).from(jobs)
      .where(gte(jobs.queuedAt, from))
      .groupBy(jobs.state),
  ]);
  return {
    generatedAt: options.now,
    window: { from, to: options.now },
    projects: projectCount?.n ?? 0,
    repos: repoCount?.n ?? 0,
    active: byState(active),
    inWindow: byState(inWindow),
    spendUsd: inWindow.reduce((sum, row) => sum + row.spend, 0),
    queue: options.queue,
    cores: (await coreBeats(db)).map((beat) => coreHealthOf(beat, options.now)),
  };
}

function byState(rows: { state: string; n: number }[]): Partial<Record<JobState, number>> {
  const counts: Partial<Record<JobState, number>> = {};
  for (const row of rows) if (isJobState(row.state)) counts[row.state] = row.n;
  return counts;
}
