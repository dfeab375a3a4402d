/**
 * Stage latency per pool and the top reasons for waiting, over the jobs
 * queued in a window (the newest {@link STAGE_STATS_MAX_JOBS}), from the
 * stages and waits the core recorded (shared/job_stages.ts). Raw rows, not
 * roll-ups: percentiles do not add up.
 */
import { and, desc, gte, inArray, lt } from "drizzle-orm";
import { jobs, jobStages, jobWaits } from "../../shared/db/schema.ts";
import {
  JOB_STAGES,
  type JobStage,
  type JobWait,
  knownWaits,
  type Party,
  stagesOfJob,
  type WaitReason,
  waterfallOf,
} from "../../shared/job_stages.ts";
import {
  STAGE_STATS_MAX_JOBS,
  type StageLatency,
  type StageStatsResponse,
} from "../../shared/schema/stage_stats.ts";
import type { StatsQuery } from "../../shared/schema/stats.ts";
import { percentileOf } from "../../shared/stats/percentile.ts";
import type { Database } from "./database.ts";
import { namerOf, namesQueries, windowOf } from "./stats_query.ts";

export async function stageStats(
  db: Database,
  query: StatsQuery,
  now: number,
): Promise<StageStatsResponse> {
  const window = windowOf(query, now);
  const inWindow = and(gte(jobs.queuedAt, window.from), lt(jobs.queuedAt, window.to));
  // One more than the cap tells whether the window held more.
  const newest = db.select({ id: jobs.id }).from(jobs).where(inWindow)
    .orderBy(desc(jobs.queuedAt)).limit(STAGE_STATS_MAX_JOBS + 1);
  // One round trip: the names, the jobs, their stages and their waits.
  const [projectRows, poolRows, jobRows, stageRows, waitRows] = await db.batch([
    ...namesQueries(db),
    db.select({
      id: jobs.id,
      poolId: jobs.poolId,
      queuedAt: jobs.queuedAt,
      claimedAt: jobs.claimedAt,
      startedAt: jobs.startedAt,
    }).from(jobs).where(inWindow).orderBy(desc(jobs.queuedAt)).limit(STAGE_STATS_MAX_JOBS + 1),
    db.select().from(jobStages).where(inArray(jobStages.jobId, newest)),
    db.select().from(jobWaits).where(inArray(jobWaits.jobId, newest)),
  ]);
  const isSampled = jobRows.length > STAGE_STATS_MAX_JOBS;
  const read = jobRows.slice(0, STAGE_STATS_MAX_JOBS);
  const stageRowsOf = new Map<string, (typeof stageRows)[number][]>();
  for (const row of stageRows) {
    stageRowsOf.set(row.jobId, [...stageRowsOf.get(row.jobId) ?? [], row]);
  }
  const waitsOf = new Map<string, JobWait[]>();
  for (const row of knownWaits(waitRows)) {
    waitsOf.set(row.jobId, [...waitsOf.get(row.jobId) ?? [], row]);
  }

  const durations = new Map<
    string,
    { poolKey: string; stage: JobStage; party: Party; ms: number[] }
  >();
  const reasonJobs = new Map<WaitReason, number>();
  for (const job of read) {
    const poolKey = job.poolId ?? "";
    const stages = stagesOfJob(job, stageRowsOf.get(job.id) ?? []);
    const segments = waterfallOf(stages, waitsOf.get(job.id) ?? []);
    for (const segment of segments) {
      const key = `${poolKey}\u0000${segment.to}`;
      const entry = durations.get(key) ??
        { poolKey, stage: segment.to, party: segment.party, ms: [] };
      entry.ms.push(segment.durationMs);
      durations.set(key, entry);
    }
    for (const reason of new Set(segments.flatMap((s) => s.reasons))) {
      reasonJobs.set(reason, (reasonJobs.get(reason) ?? 0) + 1);
    }
  }
  const nameOf = namerOf(projectRows, poolRows);
  const stages: StageLatency[] = [...durations.values()].map((entry) => ({
    poolKey: entry.poolKey,
    pool: nameOf("pool", entry.poolKey),
    stage: entry.stage,
    party: entry.party,
    jobs: entry.ms.length,
    p50Ms: percentileOf(entry.ms, 50)!,
    p95Ms: percentileOf(entry.ms, 95)!,
  })).sort((a, b) =>
    a.pool.localeCompare(b.pool) || JOB_STAGES.indexOf(a.stage) - JOB_STAGES.indexOf(b.stage)
  );
  const reasons = [...reasonJobs].map(([reason, count]) => ({ reason, jobs: count }))
    .sort((a, b) => b.jobs - a.jobs || a.reason.localeCompare(b.reason));
  return { window, jobs: read.length, isSampled, stages, reasons };
}
