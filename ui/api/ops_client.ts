/**
 * The console's client for the observation and operations routes (stats,
 * the overview's month, audit, dead letters, warm capacity), kept beside the main
 * {@link ApiClient} so each area's methods live in their own file. Answers
 * are parsed with the edge's zod schemas.
 *
 * @module
 */
import { type AuditQuery, AuditResponse } from "../../shared/schema/audit.ts";
import { DeadLettersResponse, RequeueResponse } from "../../shared/schema/dead_letters.ts";
import {
  DailyOutcomesResponse,
  SpendResponse,
  type StatsQuery,
  StatsResponse,
} from "../../shared/schema/stats.ts";
import { StageStatsResponse } from "../../shared/schema/stage_stats.ts";
import { WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";
import { type ApiClientOptions, createJsonCaller, queryOf } from "./client.ts";

/**
 * A stats request: the edge's own query schema, parsed side (zod's input
 * side types the coerced numbers as `unknown`). A preset window, or `custom`
 * with `from`/`to`.
 */
export type StatsRequest = StatsQuery;

/** An audit request: filters and page position, each optional as the edge's schema allows. */
export type AuditRequest = Partial<AuditQuery>;

/** What the stats, audit and dead-letter pages ask of the edge. */
export interface OpsApi {
  stats(request: StatsRequest): Promise<StatsResponse>;
  stageStats(request: StatsRequest): Promise<StageStatsResponse>;
  dailyOutcomes(): Promise<DailyOutcomesResponse>;
  spend(): Promise<SpendResponse>;
  audit(request: AuditRequest): Promise<AuditResponse>;
  deadLetters(): Promise<DeadLettersResponse>;
  /** Each pool's warm capacity per kind, and what it cost today. */
  warmPools(): Promise<WarmPoolsResponse>;
  /** @throws {ApiError} 403 for a viewer, 404 when it is no longer dead. */
  requeue(eventId: number): Promise<RequeueResponse>;
}

/** An {@link OpsApi} over HTTP. */
export function createOpsApi(options: ApiClientOptions = {}): OpsApi {
  const { call } = createJsonCaller(options);

  return {
    stats: (request) => call(StatsResponse, `/api/v1/stats${queryOf({ ...request })}`),
    stageStats: (request) =>
      call(StageStatsResponse, `/api/v1/stats/stages${queryOf({ ...request })}`),
    dailyOutcomes: () => call(DailyOutcomesResponse, "/api/v1/overview/daily"),
    spend: () => call(SpendResponse, "/api/v1/overview/spend"),
    audit: (request) => call(AuditResponse, `/api/v1/audit${queryOf({ ...request })}`),
    deadLetters: () => call(DeadLettersResponse, "/api/v1/dead-letters"),
    warmPools: () => call(WarmPoolsResponse, "/api/v1/warm-pools"),
    requeue: (eventId) =>
      call(RequeueResponse, `/api/v1/dead-letters/${eventId}/requeue`, {
        method: "POST",
        body: {},
      }),
  };
}
