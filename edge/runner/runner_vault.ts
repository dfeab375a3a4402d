/**
 * The runner vault: a SQLite-backed Durable Object holding each launched
 * instance's JIT config, sealed, until that instance fetches it — once,
 * before it expires, and only with the batch token of the launch that
 * started it.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import { STANDBY_JOB_ID } from "../../shared/launch/standby_wait.ts";
import type { Env } from "../env.ts";

export interface SealedDeposit {
  instanceId: string;
  batchId: string;
  jobId: string;
  runnerName: string;
  ciphertext: ArrayBuffer;
  iv: ArrayBuffer;
  expiresAt: number;
}

export type TakeResult =
  | { status: "ok"; runnerName: string; ciphertext: ArrayBuffer; iv: ArrayBuffer }
  | { status: "not_found" | "used" | "expired" | "wrong_batch" };

type Row = {
  batch_id: string;
  job_id: string;
  runner_name: string;
  ciphertext: ArrayBuffer | null;
  iv: ArrayBuffer;
  expires_at: number;
  fetched_at: number | null;
};

/** Fetched or expired configs are forgotten after this (their rows only block reuse). */
const KEEP_MS = 24 * 3600_000;

export class RunnerVault extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keyed by instance: one launch call starts many instances under one batch token.
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS instance_configs (
        instance_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        job_id TEXT NOT NULL,
        runner_name TEXT NOT NULL,
        ciphertext BLOB,
        iv BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        fetched_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS instance_configs_expiry ON instance_configs (expires_at);
      DROP TABLE IF EXISTS runner_configs;
    `);
  }

  /**
   * Stores (or replaces, until fetched) instances' configs. Returns the
   * instance ids whose config was already fetched, which a deposit cannot re-arm.
   */
  async deposit(deposits: SealedDeposit[]): Promise<string[]> {
    const sql = this.ctx.storage.sql;
    const refused = this.ctx.storage.transactionSync(() =>
      deposits.filter((deposit) =>
        sql.exec(
          `INSERT INTO instance_configs
             (instance_id, batch_id, job_id, runner_name, ciphertext, iv, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (instance_id) DO UPDATE SET batch_id = excluded.batch_id,
             job_id = excluded.job_id, runner_name = excluded.runner_name,
             ciphertext = excluded.ciphertext, iv = excluded.iv, expires_at = excluded.expires_at
           WHERE fetched_at IS NULL
           RETURNING instance_id`,
          deposit.instanceId,
          deposit.batchId,
          deposit.jobId,
          deposit.runnerName,
          deposit.ciphertext,
          deposit.iv,
          deposit.expiresAt,
        ).toArray().length === 0
      ).map((deposit) => deposit.instanceId)
    );
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + 3600_000);
    }
    return refused;
  }

  /**
   * Hands out an instance's config once; the ciphertext is erased as it leaves.
   * A stopped pool's placeholder (job {@link STANDBY_JOB_ID}) is never handed
   * out: a hibernating instance asks while it waits, and is told not yet, so
   * its job's deposit can still replace the placeholder.
   */
  take(request: { batchId: string; instanceId: string }): TakeResult {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync((): TakeResult => {
      const row = sql.exec<Row>(
        `SELECT batch_id, job_id, runner_name, ciphertext, iv, expires_at, fetched_at
         FROM instance_configs WHERE instance_id = ?`,
        request.instanceId,
      ).toArray()[0];
      if (!row) return { status: "not_found" };
      if (row.batch_id !== request.batchId) return { status: "wrong_batch" };
      if (row.job_id === STANDBY_JOB_ID) return { status: "not_found" };
      if (row.fetched_at !== null || row.ciphertext === null) return { status: "used" };
      if (row.expires_at <= Date.now()) return { status: "expired" };
      sql.exec(
        "UPDATE instance_configs SET fetched_at = ?, ciphertext = NULL WHERE instance_id = ?",
        Date.now(),
        request.instanceId,
      );
      return { status: "ok", runnerName: row.runner_name, ciphertext: row.ciphertext, iv: row.iv };
    });
  }

  /** The job and runner deposited for an instance, if it is of this batch (to attribute callbacks). */
  runnerOf(
    instanceId: string,
    batchId: string,
  ): { status: "ok"; jobId: string; runnerName: string } | { status: "not_found" | "wrong_batch" } {
    const row = this.ctx.storage.sql.exec<
      { batch_id: string; job_id: string; runner_name: string }
    >(
      "SELECT batch_id, job_id, runner_name FROM instance_configs WHERE instance_id = ?",
      instanceId,
    ).toArray()[0];
    if (!row) return { status: "not_found" };
    if (row.batch_id !== batchId) return { status: "wrong_batch" };
    return { status: "ok", jobId: row.job_id, runnerName: row.runner_name };
  }

  async alarm(): Promise<void> {
    this.ctx.storage.sql.exec(
      "DELETE FROM instance_configs WHERE expires_at < ?",
      Date.now() - KEEP_MS,
    );
    await this.ctx.storage.setAlarm(Date.now() + 3600_000);
  }
}
