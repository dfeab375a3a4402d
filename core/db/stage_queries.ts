/**
 * A job's stages and waits in libSQL (shared/job_stages.ts). Both are safe to
 * repeat: a stage keeps its first sighting, and a wait counts each sighting
 * once it is recorded, keeping the first and the latest time.
 */
import type { InStatement } from "@libsql/client";
import type { JobStage, WaitReason } from "../../shared/job_stages.ts";
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
}
