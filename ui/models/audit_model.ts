/**
 * The audit page: filters from the URL (action family, action, outcome, a time range as
 * UTC dates, page size), cursor paging, and the event opened in the side
 * panel.
 *
 * @module
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import { AUDIT_FAMILIES, type AuditFamily } from "../../shared/audit_families.ts";
import type { AuditEventView, AuditResponse } from "../../shared/schema/audit.ts";
import type { AuditRequest, OpsApi } from "../api/ops_client.ts";

const DAY_MS = 86_400_000;
/** Page sizes the page offers. */
export const AUDIT_PAGE_SIZES = [25, 50, 100, 200] as const;

/** The audit filters as the URL writes them. */
export interface AuditFilter {
  /** user, config, job or machine actions only. */
  family?: AuditFamily;
  action?: string;
  outcome?: "ok" | "failed";
  /** `YYYY-MM-DD` (UTC), inclusive. */
  fromDate?: string;
  toDate?: string;
  limit: number;
}

/** The filter a `/audit` query names. */
export function auditFilterOf(query: URLSearchParams): AuditFilter {
  const outcome = query.get("outcome");
  const family = query.get("family");
  const limit = Number(query.get("limit"));
  const date = (key: string) => {
    const value = query.get(key);
    return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
  };
  return {
    family: (AUDIT_FAMILIES as readonly string[]).includes(family ?? "")
      ? family as AuditFamily
      : undefined,
    action: query.get("action") || undefined,
    outcome: outcome === "ok" || outcome === "failed" ? outcome : undefined,
    fromDate: date("from"),
    toDate: date("to"),
    limit: (AUDIT_PAGE_SIZES as readonly number[]).includes(limit) ? limit : 50,
  };
}

/** The query string of a filter, or "" for the defaults. */
export function auditSearchOf(filter: AuditFilter): string {
  const search = new URLSearchParams();
  if (filter.family) search.set("family", filter.family);
  if (filter.action) search.set("action", filter.action);
  if (filter.outcome) search.set("outcome", filter.outcome);
  if (filter.fromDate) search.set("from", filter.fromDate);
  if (filter.toDate) search.set("to", filter.toDate);
  if (filter.limit !== 50) search.set("limit", String(filter.limit));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The API request for a filter at `cursor`. */
export function auditRequestOf(filter: AuditFilter, cursor?: string): AuditRequest {
  return {
    family: filter.family,
    action: filter.action,
    outcome: filter.outcome,
    from: filter.fromDate ? Date.parse(`${filter.fromDate}T00:00:00Z`) : undefined,
    to: filter.toDate ? Date.parse(`${filter.toDate}T00:00:00Z`) + DAY_MS : undefined,
    limit: filter.limit,
    cursor,
  };
}

/** The audit model: signals and actions. */
export interface AuditModel {
  readonly filter: ReadonlySignal<AuditFilter>;
  readonly page: ReadonlySignal<AuditResponse | null>;
  readonly pageNumber: ReadonlySignal<number>;
  readonly selected: ReadonlySignal<AuditEventView | null>;
  readonly error: ReadonlySignal<string | null>;
  load(filter: AuditFilter): Promise<void>;
  next(): Promise<void>;
  previous(): Promise<void>;
  select(event: AuditEventView | null): void;
}

/** An audit model over `ops`. */
export function createAuditModel(ops: OpsApi): AuditModel {
  const filter = signal<AuditFilter>({ limit: 50 });
  const page = signal<AuditResponse | null>(null);
  const selected = signal<AuditEventView | null>(null);
  const error = signal<string | null>(null);
  /** Cursors of the pages shown so far; the current page's last. */
  const cursors = signal<(string | undefined)[]>([undefined]);
  let latest = 0;
  const show = async (stack: (string | undefined)[]) => {
    const request = ++latest;
    try {
      const answer = await ops.audit(auditRequestOf(filter.value, stack.at(-1)));
      if (request !== latest) return;
      page.value = answer;
      cursors.value = stack;
      error.value = null;
    } catch (reason) {
      if (request !== latest) return;
      error.value = reason instanceof Error ? reason.message : String(reason);
    }
  };
  return {
    filter,
    page,
    pageNumber: computed(() => cursors.value.length),
    selected,
    error,
    async load(next) {
      filter.value = next;
      selected.value = null;
      await show([undefined]);
    },
    async next() {
      const cursor = page.value?.nextCursor;
      if (cursor) await show([...cursors.value, cursor]);
    },
    async previous() {
      if (cursors.value.length > 1) await show(cursors.value.slice(0, -1));
    },
    select(event) {
      selected.value = event;
    },
  };
}
