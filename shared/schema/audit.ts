/**
 * Bodies of the audit API (`GET /api/v1/audit`): every state-changing
 * action and sign-in attempt, newest first, paged by an (at, id) cursor.
 *
 * @module
 */
import { z } from "zod";
import { AUDIT_FAMILIES } from "../audit_families.ts";

const EpochMs = z.number().int().nonnegative();

/** `<at>.<id>` of the last event on the previous page. */
export const AuditCursor = z.string().regex(/^\d+\.\d+$/, "not an audit cursor");

/** Query of `GET /api/v1/audit`. */
export const AuditQuery = z.object({
  action: z.string().trim().min(1).max(100).optional(),
  /** user, config, job or machine: every action of that family (audit_families.ts). */
  family: z.enum(AUDIT_FAMILIES).optional(),
  outcome: z.enum(["ok", "failed"]).optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: AuditCursor.optional(),
}).refine((q) => q.from === undefined || q.to === undefined || q.to > q.from, {
  path: ["to"],
  message: "to must be after from",
});
/** A parsed audit query. */
export type AuditQuery = z.infer<typeof AuditQuery>;

/** One audited action. */
export const AuditEventView = z.object({
  id: z.number().int(),
  at: EpochMs,
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(["ok", "failed"]),
  payload: z.record(z.string(), z.unknown()).nullable(),
});
/** One audited action. */
export type AuditEventView = z.infer<typeof AuditEventView>;

/** `GET /api/v1/audit`. */
export const AuditResponse = z.object({
  events: z.array(AuditEventView),
  nextCursor: z.string().nullable(),
  /** Every action ever audited, for the filter. */
  actions: z.array(z.string()),
  /** Events matching the filters (all pages), and how many of them failed. */
  total: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
});
/** A page of the audit log. */
export type AuditResponse = z.infer<typeof AuditResponse>;
