/**
 * Signed-out console sessions: a SQLite-backed Durable Object that lists the
 * session ids (`jti`) of one operator's sessions that were signed out, until
 * the session's JWT would have expired anyway. An alarm forgets rows past
 * that time: jose refuses those tokens on `exp` alone.
 *
 * One object per operator (`idFromName(sub)`), not one for the deployment:
 * the object is placed near where that operator first uses it, so the
 * per-request lookup stays close, and no operator's traffic queues behind
 * another's. A Durable Object rather than libSQL because the session check
 * reads no libSQL today; an RPC to a nearby object is cheaper than an HTTP
 * round trip to the database on every API request.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import type { Env } from "../env.ts";

export class SessionRevocations extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS revoked (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS revoked_expires_at ON revoked (expires_at);
    `);
  }

  /** Whether the session `jti` was signed out. */
  isRevoked(jti: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM revoked WHERE jti = ?", jti).toArray()
      .length > 0;
  }

  /** Signs out the session `jti`, which expires at `expiresAt` (epoch ms). Repeating is a no-op. */
  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT INTO revoked (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
      jti,
      expiresAt,
    );
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
  }

  /** Forgets rows whose token has expired, and wakes again for the next one. */
  async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM revoked WHERE expires_at <= ?", Date.now());
    const next = sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM revoked").one();
    if (next.at !== null) await this.ctx.storage.setAlarm(next.at);
  }
}
