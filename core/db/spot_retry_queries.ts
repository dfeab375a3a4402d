/**
 * Spot interruptions' reads and writes in libSQL: the interrupted mark on a
 * job, the re-run recorded for it, and its one final re-run audit row.
 */
import { and, eq, gt, inArray, isNotNull, isNull, notExists, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { auditEvents, jobs } from "../../shared/db/schema.ts";
import type { JobPatch, JobRow, Store } from "./store.ts";

/** The marks a forced on-demand re-run carries. */
export type RetryMarks = Pick<JobPatch, "isForcedOnDemand" | "spotRetries" | "retryOfJobId">;

/** What marking a job interrupted asks (the reaper and a runner's notice); the Store answers. */
export type InterruptionStore = Pick<Store, "jobRunningOn" | "markJobInterrupted" | "audit">;

/** The named queries a spot re-run asks; the Store answers them. */
export type SpotRetryStore = Pick<
  Store,
  | "job"
  | "insertJob"
  | "retryOf"
  | "isRetrySettled"
  | "auditRetryOutcome"
  | "waitingRetriesOfRun"
  | "markRetry"
>;

/** The key of a job's one final re-run audit row: written once, whatever the retries. */
const finalAuditKey = (jobId: string) => `job.rerun:${jobId}`;

export class SpotRetryQueries {
  constructor(private readonly store: Pick<Store, "db">) {}

  /** The job starting or running on `instanceId`, if any. */
  async jobRunningOn(instanceId: string): Promise<string | null> {
    const [running] = await this.store.db.select({ id: jobs.id }).from(jobs).where(
      and(eq(jobs.instanceId, instanceId), inArray(jobs.state, ["starting", "running"])),
    );
    return running?.id ?? null;
  }

  /** Marks `jobId` interrupted at `at`; false when it was already marked or is unknown. */
  async markInterrupted(jobId: string, at: number): Promise<boolean> {
    const marked = await this.store.db.update(jobs).set({ interruptedAt: at })
      .where(and(eq(jobs.id, jobId), isNull(jobs.interruptedAt)))
      .returning({ id: jobs.id });
    return marked.length > 0;
  }

  /** The re-run Gantry already created for `jobId`, if any. */
  async retryOf(jobId: string): Promise<JobRow | null> {
    const [row] = await this.store.db.select().from(jobs).where(eq(jobs.retryOfJobId, jobId));
    return row ?? null;
  }

  /** Whether `jobId`'s final re-run outcome is audited already. */
  async isSettled(jobId: string): Promise<boolean> {
    const [row] = await this.store.db.select({ id: auditEvents.id }).from(auditEvents)
      .where(eq(auditEvents.dedupeKey, finalAuditKey(jobId)));
    return row !== undefined;
  }

  /** Audits `jobId`'s final re-run outcome, once. */
  async auditFinal(
    event: {
      at: number;
      jobId: string;
      outcome: "ok" | "failed";
      payload: Record<string, unknown>;
    },
  ): Promise<void> {
    await this.store.db.insert(auditEvents).values({
      at: event.at,
      actor: "core",
      action: "job.rerun",
      target: event.jobId,
      outcome: event.outcome,
      payload: event.payload,
      dedupeKey: finalAuditKey(event.jobId),
    }).onConflictDoNothing();
  }

  /**
   * Interrupted jobs GitHub failed and Gantry has not re-run yet, within
   * `scope` (a repo's run, or those updated lately).
   */
  async #waitingRetries(scope: SQL[]): Promise<string[]> {
    const retry = alias(jobs, "retry");
    const { db } = this.store;
    const rows = await db.select({ id: jobs.id }).from(jobs).where(and(
      ...scope,
      isNotNull(jobs.interruptedAt),
      eq(jobs.conclusion, "failure"),
      notExists(db.select({ id: retry.id }).from(retry).where(eq(retry.retryOfJobId, jobs.id))),
    ));
    return rows.map((row) => row.id);
  }

  /** Waiting re-runs of one run, queued after `queuedSince`; read through the repo index. */
  async waitingRetriesOfRun(
    run: { repoFullName: string; runId: number },
    queuedSince: number,
  ): Promise<string[]> {
    return await this.#waitingRetries([
      eq(jobs.repoFullName, run.repoFullName),
      gt(jobs.queuedAt, queuedSince),
      eq(jobs.runId, run.runId),
    ]);
  }

  /** Waiting re-runs of jobs updated after `updatedSince`. */
  async waitingRetriesSince(updatedSince: number): Promise<string[]> {
    return await this.#waitingRetries([gt(jobs.updatedAt, updatedSince)]);
  }

  /** Marks a re-run recorded by its webhook, while it has not launched yet. */
  async markRetry(id: string, marks: RetryMarks): Promise<void> {
    await this.store.db.update(jobs).set(marks).where(
      and(eq(jobs.id, id), inArray(jobs.state, ["queued", "claimed"])),
    );
  }
}
