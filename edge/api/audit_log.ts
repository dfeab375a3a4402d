/** The audit trail: one row per state-changing action or sign-in attempt. */
import { auditEvents } from "../../shared/db/schema.ts";
import type { Operator } from "../env.ts";
import type { Database } from "./database.ts";

/** What happened, by whom, to what. Never a password, token or header in `payload`. */
export interface AuditEntry {
  /** Who acted: an email, or `bootstrap` for the bootstrap token. */
  actor: string;
  /** Dotted and searchable: `auth.login`, `auth.bootstrap`, `user.create`. */
  action: string;
  target?: string | null;
  outcome: "ok" | "failed";
  payload?: Record<string, unknown>;
}

/** Appends `entry` to the audit log at `at` (epoch ms). */
export async function recordAudit(db: Database, entry: AuditEntry, at = Date.now()): Promise<void> {
  await db.insert(auditEvents).values({
    at,
    actor: entry.actor.slice(0, 254),
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    payload: entry.payload ?? null,
  });
}

/** Who the audit log names for a signed-in operator: the email, else the subject. */
export function actorOf(operator: Pick<Operator, "email" | "sub">): string {
  return operator.email ?? operator.sub;
}
