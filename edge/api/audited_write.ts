/**
 * "Write, then audit" in one place: a console change runs against the
 * database and, once it has succeeded, leaves one `ok` row naming the
 * signed-in operator. A write that throws records nothing here; refusals are
 * recorded as `failed` by the configuration routes' refusal audit.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { actorOf, recordAudit } from "./audit_log.ts";
import { type Database, databaseOf } from "./database.ts";

/** What a succeeded write is audited with; null records nothing (a dry run, say). */
export type AuditOf<T> = (
  result: T,
) => { target?: string | null; payload?: Record<string, unknown> } | null;

/** One audited change: its searchable action, the write, and what to record of its result. */
export interface AuditedWrite<T> {
  /** Dotted and searchable, e.g. `pool.update`. */
  action: string;
  write: (db: Database) => Promise<T>;
  audit: AuditOf<T>;
}

/** Runs `change.write`, records it as `change.action` by the operator, and returns its result. */
export async function auditedWrite<T>(c: Context<AppEnv>, change: AuditedWrite<T>): Promise<T> {
  const db = databaseOf(c.env);
  const result = await change.write(db);
  const entry = change.audit(result);
  if (entry) {
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: change.action,
      outcome: "ok",
      ...entry,
    });
  }
  return result;
}

/** An entity's settings for an audit payload: its timestamps left out. */
export function settingsOf<T extends { createdAt: number; updatedAt: number }>(view: T) {
  const { createdAt: _created, updatedAt: _updated, ...settings } = view;
  return settings;
}
