/**
 * Sign-in rate limiting: a SQLite-backed Durable Object that counts failed
 * sign-ins per key in a sliding window, and decides which refusals are
 * written to the audit log.
 *
 * Keys (sign_in.ts builds them):
 * - `net:<network>` — a hard limit per client network (IPv4 /32, IPv6 /64);
 * - `account:<email>@<network>` — progressive: past its limit each further
 *   attempt waits longer (lockout_delay.ts). Failures from one network never
 *   slow the same account down from another, so nobody can lock its owner out.
 * - `password:<user id>` — a signed-in user's wrong current passwords
 *   (account_routes.ts): a hard limit, so a stolen session cannot guess the
 *   password it would need to take the account over.
 *
 * Invariants the object owns:
 * - an attempt is admitted only while every one of its keys allows it, and it
 *   counts as a failure from the moment it is admitted, so concurrent guesses
 *   cannot all slip past the check before any fails;
 * - a successful sign-in removes its own attempt and clears its account key
 *   (not the network's: one good password does not vouch for a network);
 * - at most one audit row per audit key per window (see {@link auditSlot}).
 *
 * One object serves the deployment: sign-ins are rare, and the object
 * handles about a thousand small writes per second. Its "now" is the edge's
 * clock (edge/clock.ts), so a test can pin it and step it across a delay.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import { nowOf } from "../clock.ts";
import type { Env } from "../env.ts";
import { lockoutDelayMs } from "./lockout_delay.ts";

/** The sign-in throttle: one object for the deployment. */
export function loginThrottleOf(env: Env) {
  return env.LOGIN_THROTTLE.get(env.LOGIN_THROTTLE.idFromName("sign-in"));
}

/** One counter an attempt is charged to, and how many failures it allows. */
export interface ThrottleKey {
  key: string;
  limit: number;
  /** Past the limit, wait progressively longer (instead of waiting out the window). */
  isProgressive?: boolean;
}

/** The answer to {@link LoginThrottle.admit}. */
export type Admission =
  | { isAdmitted: true; attemptId: string }
  | { isAdmitted: false; retryAfterSeconds: number };

/** Whether to write an audit row for a refusal, and how many were left out before it. */
export interface AuditSlot {
  shouldAudit: boolean;
  /** Refusals under the same key that were not written in its previous window. */
  repeats: number;
}

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
      CREATE TABLE IF NOT EXISTS audit_slots (
        key TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        suppressed INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS audit_slots_window ON audit_slots (window_start);
    `);
  }

  /**
   * Admits an attempt unless one of `keys` is over its limit in the last
   * `windowMs` (a progressive key: unless its delay since the newest failure
   * has not passed); an admitted attempt counts as a failure until
   * {@link succeeded} says otherwise.
   */
  admit(keys: readonly ThrottleKey[], windowMs: number): Admission {
    const now = nowOf(this.env);
    const since = now - windowMs;
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync((): Admission => {
      sql.exec("DELETE FROM failures WHERE at <= ?", since);
      let retryAt = 0;
      for (const { key, limit, isProgressive } of keys) {
        if (isProgressive) {
          const { n, newest } = sql.exec<{ n: number; newest: number | null }>(
            "SELECT count(*) AS n, max(at) AS newest FROM failures WHERE key = ? AND at > ?",
            key,
            since,
          ).one();
          const delay = lockoutDelayMs(n, { limit, windowMs });
          if (delay > 0 && newest !== null && newest + delay > now) {
            retryAt = Math.max(retryAt, newest + delay);
          }
          continue;
        }
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

  /** Forgets an attempt that was never judged (the database was down): it is no failure. */
  withdraw(attemptId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM failures WHERE attempt_id = ?", attemptId);
  }

  /**
   * Whether a refusal under `key` gets an audit row: the first in each
   * `windowMs` does, and carries how many were left out in the window
   * before; the rest are only counted. Unauthenticated callers choose the
   * actor and user agent, so they must not choose how many rows are written.
   */
  auditSlot(key: string, windowMs: number): AuditSlot {
    const now = nowOf(this.env);
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync((): AuditSlot => {
      sql.exec("DELETE FROM audit_slots WHERE window_start <= ?", now - 2 * windowMs);
      const row = sql.exec<{ window_start: number; suppressed: number }>(
        "SELECT window_start, suppressed FROM audit_slots WHERE key = ?",
        key,
      ).toArray()[0];
      if (row && row.window_start > now - windowMs) {
        sql.exec("UPDATE audit_slots SET suppressed = suppressed + 1 WHERE key = ?", key);
        return { shouldAudit: false, repeats: 0 };
      }
      sql.exec(
        `INSERT INTO audit_slots (key, window_start, suppressed) VALUES (?, ?, 0)
         ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, suppressed = 0`,
        key,
        now,
      );
      return { shouldAudit: true, repeats: row?.suppressed ?? 0 };
    });
  }
}
