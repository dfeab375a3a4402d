/**
 * Sign-in rate limiting: a SQLite-backed Durable Object that counts failed
 * sign-ins per key (`ip:…`, `account:…`) in a sliding window.
 *
 * Invariants the object owns:
 * - an attempt is admitted only while every one of its keys is under its
 *   limit, and it counts as a failure from the moment it is admitted, so
 *   concurrent guesses cannot all slip past the check before any fails;
 * - a successful sign-in removes its own attempt and clears the account's
 *   failures (not the IP's: one good password does not vouch for an IP).
 *
 * One object serves the deployment: sign-ins are rare, and the object
 * handles about a thousand small writes per second.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import type { Env } from "../env.ts";

/** One counter an attempt is charged to, and how many failures it allows. */
export interface ThrottleKey {
  key: string;
  limit: number;
}

/** The answer to {@link LoginThrottle.admit}. */
export type Admission =
  | { isAdmitted: true; attemptId: string }
  | { isAdmitted: false; retryAfterSeconds: number };

export class LoginThrottle extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS failures (
        attempt_id TEXT NOT NULL,
        key TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS failures_key_at ON failures (key, at);
      CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
      CREATE INDEX IF NOT EXISTS failures_attempt ON failures (attempt_id);
    `);
  }

  /**
   * Admits an attempt unless one of `keys` already has `limit` failures in
   * the last `windowMs`; an admitted attempt counts as a failure until
   * {@link succeeded} says otherwise.
   */
  admit(keys: readonly ThrottleKey[], windowMs: number): Admission {
    const now = Date.now();
    const since = now - windowMs;
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync((): Admission => {
      sql.exec("DELETE FROM failures WHERE at <= ?", since);
      let retryAt = 0;
      for (const { key, limit } of keys) {
        const rows = sql.exec<{ at: number }>(
          "SELECT at FROM failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
          key,
          since,
          limit,
        ).toArray();
        // Full: the attempt may go once the oldest of the newest `limit` failures ages out.
        if (rows.length >= limit) retryAt = Math.max(retryAt, rows[rows.length - 1].at + windowMs);
      }
      if (retryAt > 0) {
        return {
          isAdmitted: false,
          retryAfterSeconds: Math.max(1, Math.ceil((retryAt - now) / 1000)),
        };
      }
      const attemptId = crypto.randomUUID();
      for (const { key } of keys) {
        sql.exec(
          "INSERT INTO failures (attempt_id, key, at) VALUES (?, ?, ?)",
          attemptId,
          key,
          now,
        );
      }
      return { isAdmitted: true, attemptId };
    });
  }

  /** Forgets a successful attempt and every earlier failure of `accountKey`. */
  succeeded(attemptId: string, accountKey: string): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("DELETE FROM failures WHERE attempt_id = ?", attemptId);
      sql.exec("DELETE FROM failures WHERE key = ?", accountKey);
    });
  }
}
