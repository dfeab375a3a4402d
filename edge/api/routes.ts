/**
 * `/api/v1/*`: the console's JSON API. Every route but sign-in needs an
 * operator session; changes need the admin role; no route accepts a
 * state-changing request a browser sent from another site.
 */
import { Hono } from "hono";
import { except } from "hono/combine";
import { NotFoundError } from "../../shared/errors.ts";
import { JobsListQuery, JobsListResponse } from "../../shared/schema/api.ts";
import {
  JobDetailResponse,
  OverviewQuery,
  OverviewResponse,
  QueueStatsResponse,
} from "../../shared/schema/console.ts";
import { refuseCrossOrigin } from "../auth/cross_origin.ts";
import { nowOf } from "../clock.ts";
import { requireOperator } from "../auth/operator_session.ts";
import { authRoutes } from "../auth/routes.ts";
import { userAdminRoutes } from "../auth/user_admin_routes.ts";
import { configRoutes } from "../config/routes.ts";
import { controlRoutes } from "../control/routes.ts";
import type { AppEnv } from "../env.ts";
import { queueOf } from "../queue/queue_of.ts";
import { describe } from "../openapi/describe.ts";
import { queryOf } from "../validation.ts";
import { databaseOf } from "./database.ts";
import { jobDetail } from "./job_detail_query.ts";
import { listJobs } from "./jobs_query.ts";
import { overview } from "./overview_query.ts";
import { statsRoutes } from "./stats_routes.ts";

/** Each route's entry in the OpenAPI document. */
const docs = {
  jobs: describe({
    summary: "Jobs, newest first, a page at a time",
    access: "viewer",
    responses: { 200: JobsListResponse },
  }),
  job: describe({
    summary: "One job and its timeline",
    access: "viewer",
    responses: { 200: JobDetailResponse },
    refusals: [404],
  }),
  queue: describe({
    summary: "The queue's depth",
    access: "viewer",
    responses: { 200: QueueStatsResponse },
  }),
  overview: describe({
    summary: "The overview's live tiles",
    access: "viewer",
    responses: { 200: OverviewResponse },
  }),
};

export const apiRoutes = new Hono<AppEnv>()
  .use("/api/*", refuseCrossOrigin())
  .use("/api/*", except("/api/v1/auth/*", requireOperator("viewer")))
  .route("/", authRoutes)
  .route("/", configRoutes)
  .get("/api/v1/jobs", docs.jobs, queryOf(JobsListQuery), async (c) => {
    return c.json(await listJobs(databaseOf(c.env), c.req.valid("query")));
  })
  .get(
    "/api/v1/jobs/:id",
    docs.job,
    async (c) => c.json(await jobDetail(databaseOf(c.env), c.req.param("id"))),
  )
  .get("/api/v1/queue", docs.queue, async (c) => c.json(await queueOf(c.env).stats()))
  .get("/api/v1/overview", docs.overview, queryOf(OverviewQuery), async (c) => {
    const { windowHours } = c.req.valid("query");
    const queue = await queueOf(c.env).stats();
    return c.json(await overview(databaseOf(c.env), { windowHours, now: nowOf(c.env), queue }));
  })
  .route("/", userAdminRoutes)
  .route("/", statsRoutes)
  .route("/", controlRoutes)
  // Unknown API paths answer JSON here rather than falling through to the console's assets.
  .all("/api/*", () => {
    throw new NotFoundError("no such API route");
  });
