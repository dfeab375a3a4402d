/**
 * The audit log, newest first: filtered by action, family, outcome and time, paged
 * by an (at, id) cursor, with the filtered total and failures for the tile.
 * Reads `audit_at_idx` or `audit_action_at_idx`.
 */
import { and, asc, count, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import { AUDIT_FAMILY_PREFIXES, type AuditFamily } from "../../shared/audit_families.ts";
import { auditEvents } from "../../shared/db/schema.ts";
import type { AuditQuery, AuditResponse } from "../../shared/schema/audit.ts";
import type { Database } from "./database.ts";

/** One page of the audit log for `query`. */
export async function listAudit(db: Database, query: AuditQuery): Promise<AuditResponse> {
  const filters: (SQL | undefined)[] = [
    query.action ? eq(auditEvents.action, query.action) : undefined,
    query.family ? familyFilter(query.family) : undefined,
    query.outcome ? eq(auditEvents.outcome, query.outcome) : undefined,
    query.from !== undefined ? gte(auditEvents.at, query.from) : undefined,
    query.to !== undefined ? lt(auditEvents.at, query.to) : undefined,
  ];
  const page: (SQL | undefined)[] = [...filters];
  if (query.cursor) {
    const [at, id] = query.cursor.split(".").map(Number);
    page.push(or(lt(auditEvents.at, at), and(eq(auditEvents.at, at), lt(auditEvents.id, id))));
  }
  const [rows, [tally], actions] = await db.batch([
    db.select().from(auditEvents).where(and(...page))
      .orderBy(desc(auditEvents.at), desc(auditEvents.id)).limit(query.limit + 1),
    db.select({
      total: count(),
      failures: sql<number>`coalesce(sum(${auditEvents.outcome} = 'failed'), 0)`.mapWith(Number),
    }).from(auditEvents).where(and(...filters)),
    db.selectDistinct({ action: auditEvents.action }).from(auditEvents)
      .orderBy(asc(auditEvents.action)),
  ]);
  const events = rows.slice(0, query.limit);
  const last = events.at(-1);
  return {
    events: events.map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      outcome: row.outcome,
      payload: row.payload,
    })),
    nextCursor: rows.length > query.limit && last ? `${last.at}.${last.id}` : null,
    actions: actions.map((a) => a.action),
    total: tally?.total ?? 0,
    failures: tally?.failures ?? 0,
  };
}

/**
 * Actions starting with one of the family's prefixes, as ranges (`>= 'job.'
 * AND < 'job/'`, '/' sorting right after '.') so `audit_action_at_idx` serves
 * them, which LIKE would not.
 */
function familyFilter(family: AuditFamily): SQL | undefined {
  return or(
    ...AUDIT_FAMILY_PREFIXES[family].map((prefix) =>
      and(gte(auditEvents.action, prefix), lt(auditEvents.action, `${prefix.slice(0, -1)}/`))
    ),
  );
}
