/** `/api/v1/*`: the console's JSON API. */
import { Hono } from "hono";
import { JobsListQuery } from "../../shared/schema/api.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { errorResponse } from "../errors.ts";
import { queueOf } from "../queue/queue_of.ts";
import { parseQuery } from "../validation.ts";
import { databaseOf } from "./database.ts";
import { listJobs } from "./jobs_query.ts";

export const apiRoutes = new Hono<AppEnv>()
  .use("/api/*", requireOperator("viewer"))
  .get("/api/v1/jobs", async (c) => {
    const query = parseQuery(c.req.url, JobsListQuery);
    return c.json(await listJobs(databaseOf(c.env), query));
  })
  .get("/api/v1/queue", async (c) => c.json(await queueOf(c.env).stats()))
  .onError((error, c) => errorResponse(c, error));
