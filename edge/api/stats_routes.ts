/**
 * Read-only console routes for observation: stats, the overview's month
 * chart and spend card, and the audit log. Mounted inside `apiRoutes`,
 * which already requires a viewer session.
 */
import { Hono } from "hono";
import { AuditQuery } from "../../shared/schema/audit.ts";
import { StatsQuery } from "../../shared/schema/stats.ts";
import type { AppEnv } from "../env.ts";
import { parseQuery } from "../validation.ts";
import { listAudit } from "./audit_query.ts";
import { databaseOf } from "./database.ts";
import { nowOf } from "../clock.ts";
import { dailyOutcomes, monthSpend } from "./month_query.ts";
import { stats } from "./stats_query.ts";

export const statsRoutes = new Hono<AppEnv>()
  .get("/api/v1/stats", async (c) => {
    const query = parseQuery(c.req.url, StatsQuery);
    return c.json(await stats(databaseOf(c.env), query, nowOf(c.env)));
  })
  .get("/api/v1/overview/daily", async (c) => {
    return c.json(await dailyOutcomes(databaseOf(c.env), nowOf(c.env)));
  })
  .get("/api/v1/overview/spend", async (c) => {
    return c.json(await monthSpend(databaseOf(c.env), nowOf(c.env)));
  })
  .get("/api/v1/audit", async (c) => {
    const query = parseQuery(c.req.url, AuditQuery);
    return c.json(await listAudit(databaseOf(c.env), query));
  });
