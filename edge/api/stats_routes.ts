/**
 * Read-only console routes for observation: stats, the overview's month
 * chart and spend card, warm capacity, and the audit log. Mounted inside `apiRoutes`,
 * which already requires a viewer session.
 */
import { Hono } from "hono";
import { AuditQuery, AuditResponse } from "../../shared/schema/audit.ts";
import {
  DailyOutcomesResponse,
  SpendResponse,
  StatsQuery,
  StatsResponse,
} from "../../shared/schema/stats.ts";
import type { AppEnv } from "../env.ts";
import { describe } from "../openapi/describe.ts";
import { queryOf } from "../validation.ts";
import { listAudit } from "./audit_query.ts";
import { databaseOf } from "./database.ts";
import { nowOf } from "../clock.ts";
import { dailyOutcomes, monthSpend } from "./month_query.ts";
import { stats } from "./stats_query.ts";
import { stageStats } from "./stage_stats_query.ts";
import { StageStatsResponse } from "../../shared/schema/stage_stats.ts";
import { WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";
import { warmPools } from "./warm_pools_query.ts";

/** Each route's entry in the OpenAPI document. */
const docs = {
  stats: describe({
    summary: "Jobs, runner time and estimated cost over a window, grouped",
    access: "viewer",
    responses: { 200: StatsResponse },
  }),
  stages: describe({
    summary: "Where jobs' waits went over a window: each stage's p50 and p95 per pool, " +
      "and the top reasons for waiting (groupBy does not apply)",
    access: "viewer",
    responses: { 200: StageStatsResponse },
  }),
  daily: describe({
    summary: "This month's completed and failed jobs by UTC day",
    access: "viewer",
    responses: { 200: DailyOutcomesResponse },
  }),
  spend: describe({
    summary: "This month's estimated spend, top projects and repos",
    access: "viewer",
    responses: { 200: SpendResponse },
  }),
  warmPools: describe({
    summary: "Each pool's warm capacity per kind (hot, stopped): the core's target and why, " +
      "what waits now, and what idle capacity cost this UTC day",
    access: "viewer",
    responses: { 200: WarmPoolsResponse },
  }),
  audit: describe({
    summary: "The audit log, newest first",
    access: "viewer",
    responses: { 200: AuditResponse },
  }),
};

export const statsRoutes = new Hono<AppEnv>()
  .get("/api/v1/stats", docs.stats, queryOf(StatsQuery), async (c) => {
    return c.json(await stats(databaseOf(c.env), c.req.valid("query"), nowOf(c.env)));
  })
  .get("/api/v1/stats/stages", docs.stages, queryOf(StatsQuery), async (c) => {
    return c.json(await stageStats(databaseOf(c.env), c.req.valid("query"), nowOf(c.env)));
  })
  .get("/api/v1/overview/daily", docs.daily, async (c) => {
    return c.json(await dailyOutcomes(databaseOf(c.env), nowOf(c.env)));
  })
  .get("/api/v1/overview/spend", docs.spend, async (c) => {
    return c.json(await monthSpend(databaseOf(c.env), nowOf(c.env)));
  })
  .get("/api/v1/warm-pools", docs.warmPools, async (c) => {
    return c.json(await warmPools(databaseOf(c.env), nowOf(c.env)));
  })
  .get("/api/v1/audit", docs.audit, queryOf(AuditQuery), async (c) => {
    return c.json(await listAudit(databaseOf(c.env), c.req.valid("query")));
  });
