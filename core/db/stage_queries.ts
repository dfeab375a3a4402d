/**
 * A job's stages and waits in libSQL (shared/job_stages.ts). Both are safe to
 * repeat: a stage keeps its first sighting, and a wait counts each sighting
 * once it is recorded, keeping the first and the latest time.
 */
import type { InStatement } from "@libsql/client";
import {
  type JobStage,
  type JobTimes,
  type JobWait,
  knownWaits,
  type WaitReason,
} from "../../shared/job_stages.ts";
import type { Store } from "./store.ts";

/** The statements that record `stages` for `jobIds` (first sighting wins), for any batch. */
export function stageStatements(
  jobIds: readonly string[],
  stages: Partial<Record<JobStage, number>>,
): InStatement[] {
  const entries = Object.entries(stages) as [JobStage, number][];
  return jobIds.flatMap((jobId) =>
    entries.map(([stage, at]) => ({
      sql: `INSERT INTO job_stages (job_id, stage, at) VALUES (?, ?, ?)
            ON CONFLICT (job_id, stage) DO NOTHING`,
      args: [jobId, stage, at],
    }))
  );
}

/** What a job's waterfall is drawn from, and the pool it ran in (null: never routed). */
export interface StageRecord {
  pool: string | null;
  job: JobTimes;
  stages: { stage: string; at: number }[];
  waits: JobWait[];
}

export class StageQueries {
  constructor(private readonly store: Pick<Store, "client">) {}

  /** Records when each of `jobIds` passed `stages`; a stage seen before keeps its time. */
  async recordStages(
    jobIds: readonly string[],
    stages: Partial<Record<JobStage, number>>,
  ): Promise<void> {
    const statements = stageStatements(jobIds, stages);
    if (statements.length > 0) await this.store.client.batch(statements, "write");
  }

  /** Records that each of `jobIds` waited for `reason` at `at`. */
  async recordWait(jobIds: readonly string[], reason: WaitReason, at: number): Promise<void> {
    if (jobIds.length === 0) return;
    await this.store.client.batch(
      jobIds.map((jobId) => ({
        sql:
          `INSERT INTO job_waits (job_id, reason, first_at, last_at, count) VALUES (?, ?, ?, ?, 1)
              ON CONFLICT (job_id, reason) DO UPDATE SET count = count + 1,
                first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`,
        args: [jobId, reason, at, at],
      })),
      "write",
    );
  }

  /** A job's times, stages, waits and pool name, in one round trip; null for no such job. */
  async recordOf(jobId: string): Promise<StageRecord | null> {
    const [jobRows, stageRows, waitRows] = await this.store.client.batch([
      {
        sql: `SELECT j.queued_at, j.claimed_at, j.started_at, p.name AS pool
              FROM jobs j LEFT JOIN pools p ON p.id = j.pool_id WHERE j.id = ?`,
        args: [jobId],
      },
      { sql: "SELECT stage, at FROM job_stages WHERE job_id = ?", args: [jobId] },
      {
        sql: "SELECT reason, first_at, last_at, count FROM job_waits WHERE job_id = ?",
        args: [jobId],
      },
    ], "read");
    const job = jobRows.rows[0];
    if (!job) return null;
    const orNull = (value: unknown) => value === null ? null : Number(value);
    return {
      pool: job.pool === null ? null : String(job.pool),
      job: {
        queuedAt: Number(job.queued_at),
        claimedAt: orNull(job.claimed_at),
        startedAt: orNull(job.started_at),
      },
      stages: stageRows.rows.map((row) => ({ stage: String(row.stage), at: Number(row.at) })),
      waits: knownWaits(waitRows.rows.map((row) => ({
        reason: String(row.reason),
        firstAt: Number(row.first_at),
        lastAt: Number(row.last_at),
        count: Number(row.count),
      }))),
    };
  }
}
