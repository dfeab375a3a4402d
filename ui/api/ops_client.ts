/**
 * The console's client for the observation and operations routes (stats,
 * the overview's month, audit, dead letters), kept beside the main
 * {@link ApiClient} so each area's methods live in their own file. Answers
 * are parsed with the edge's zod schemas.
 *
 * @module
 */
import type { AuditFamily } from "../../shared/audit_families.ts";
import { AuditResponse } from "../../shared/schema/audit.ts";
import { DeadLettersResponse, RequeueResponse } from "../../shared/schema/dead_letters.ts";
import {
  DailyOutcomesResponse,
  SpendResponse,
  type StatsGroup,
  StatsResponse,
} from "../../shared/schema/stats.ts";
import { type ApiClientOptions, createJsonCaller, queryOf } from "./client.ts";

/** A stats request: a preset window, or `custom` with `from`/`to`. */
export interface StatsRequest {
  window: "1d" | "7d" | "30d" | "90d" | "custom";
  groupBy: StatsGroup;
  from?: number;
  to?: number;
}

/** An audit request: filters and page position. */
export interface AuditRequest {
  family?: AuditFamily;
  action?: string;
  outcome?: "ok" | "failed";
  from?: number;
  to?: number;
  limit?: number;
  cursor?: string;
}

/** What the stats, audit and dead-letter pages ask of the edge. */
export interface OpsApi {
  stats(request: StatsRequest): Promise<StatsResponse>;
  dailyOutcomes(): Promise<DailyOutcomesResponse>;
  spend(): Promise<SpendResponse>;
  audit(request: AuditRequest): Promise<AuditResponse>;
  deadLetters(): Promise<DeadLettersResponse>;
  /** @throws {ApiError} 403 for a viewer, 404 when it is no longer dead. */
  requeue(eventId: number): Promise<RequeueResponse>;
}

/** An {@link OpsApi} over HTTP. */
export function createOpsApi(options: ApiClientOptions = {}): OpsApi {
  const { call } = createJsonCaller(options);

  return {
    stats: (request) => call(StatsResponse, `/api/v1/stats${queryOf({ ...request })}`),
    dailyOutcomes: () => call(DailyOutcomesResponse, "/api/v1/overview/daily"),
    spend: () => call(SpendResponse, "/api/v1/overview/spend"),
    audit: (request) => call(AuditResponse, `/api/v1/audit${queryOf({ ...request })}`),
    deadLetters: () => call(DeadLettersResponse, "/api/v1/dead-letters"),
    requeue: (eventId) =>
      call(RequeueResponse, `/api/v1/dead-letters/${eventId}/requeue`, {
        method: "POST",
        body: {},
      }),
  };
}
