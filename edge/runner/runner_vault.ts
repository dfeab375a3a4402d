/**
 * The runner vault: a SQLite-backed Durable Object holding each launched
 * runner's JIT config, sealed, until its instance fetches it — once, before it
 * expires, and only from the instance it was deposited for.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import type { Env } from "../env.ts";

export interface SealedDeposit {
  runnerName: string;
  jobId: string;
  instanceId: string;
  ciphertext: ArrayBuffer;
  iv: ArrayBuffer;
  expiresAt: number;
}

export type TakeResult =
  | { status: "ok"; ciphertext: ArrayBuffer; iv: ArrayBuffer }
  | { status: "not_found" | "used" | "expired" | "wrong_instance" };

type Row = {
  job_id: string;
  instance_id: string;
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
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS runner_configs (
        runner_name TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        ciphertext BLOB,
        iv BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        fetched_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS runner_configs_expiry ON runner_configs (expires_at);
    `);
  }

  /** Stores (or replaces, until fetched) a runner's config. Returns false if already fetched. */
  async deposit(deposit: SealedDeposit): Promise<boolean> {
    const stored = this.ctx.storage.sql.exec(
      `INSERT INTO runner_configs (runner_name, job_id, instance_id, ciphertext, iv, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (runner_name) DO UPDATE SET job_id = excluded.job_id,
         instance_id = excluded.instance_id, ciphertext = excluded.ciphertext,
         iv = excluded.iv, expires_at = excluded.expires_at
       WHERE fetched_at IS NULL
       RETURNING runner_name`,
      deposit.runnerName,
      deposit.jobId,
      deposit.instanceId,
      deposit.ciphertext,
      deposit.iv,
      deposit.expiresAt,
    ).toArray().length > 0;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + 3600_000);
    }
    return stored;
  }

  /** Hands out a config once; the ciphertext is erased as it leaves. */
  take(request: { runnerName: string; jobId: string; instanceId: string }): TakeResult {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync((): TakeResult => {
      const row = sql.exec<Row>(
        "SELECT job_id, instance_id, ciphertext, iv, expires_at, fetched_at FROM runner_configs WHERE runner_name = ?",
        request.runnerName,
      ).toArray()[0];
      if (!row || row.job_id !== request.jobId) return { status: "not_found" };
      if (row.fetched_at !== null || row.ciphertext === null) return { status: "used" };
      if (row.expires_at <= Date.now()) return { status: "expired" };
      if (row.instance_id !== request.instanceId) return { status: "wrong_instance" };
      sql.exec(
        "UPDATE runner_configs SET fetched_at = ?, ciphertext = NULL WHERE runner_name = ?",
        Date.now(),
        request.runnerName,
      );
      return { status: "ok", ciphertext: row.ciphertext, iv: row.iv };
    });
  }

  /** Instance that a runner's config was deposited for (to check callbacks). */
  instanceOf(runnerName: string, jobId: string): string | null {
    const row = this.ctx.storage.sql.exec<{ instance_id: string; job_id: string }>(
      "SELECT instance_id, job_id FROM runner_configs WHERE runner_name = ?",
      runnerName,
    ).toArray()[0];
    return row && row.job_id === jobId ? row.instance_id : null;
  }

  async alarm(): Promise<void> {
    this.ctx.storage.sql.exec(
      "DELETE FROM runner_configs WHERE expires_at < ?",
      Date.now() - KEEP_MS,
    );
    await this.ctx.storage.setAlarm(Date.now() + 3600_000);
  }
}
