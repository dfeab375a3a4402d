/**
 * The edge Worker: Gantry's only public surface.
 *   POST /webhook       GitHub webhooks (HMAC-verified, durably queued)
 *   GET  /healthz       liveness, no internals; `?deep=1`: libSQL and the cores too
 *   /core/v1/*          the lease protocol and runner-config deposits (core EdDSA JWT)
 *   /runner/v1/*        runner instances: config fetch, lifecycle events (runner token)
 *   /api/v1/*           the console API (operator session); its OpenAPI 3.1
 *                       description at /api/v1/openapi.json
 *   everything else     the console's static assets
 */
import { Hono } from "hono";
import { apiRoutes } from "./api/routes.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";
import { limitBody } from "./body_limit.ts";
import { deadLetterRoutes } from "./queue/dead_letter_routes.ts";
import { coreRoutes } from "./queue/routes.ts";
import { coreControlRoutes } from "./control/core_routes.ts";
import { deepHealth } from "./control/deep_health.ts";
import { metricsRoutes } from "./metrics/routes.ts";
import { openApiRoutes } from "./openapi/route.ts";
import { runnerRoutes } from "./runner/routes.ts";
import { webhookRoutes } from "./webhook/route.ts";
import { API_MAX_BYTES, BACKUP_IMPORT_MAX_BYTES, requireValidSettings } from "./settings.ts";

export { LoginThrottle } from "./auth/login_throttle.ts";
export { JobQueue } from "./queue/job_queue.ts";
export { RunnerVault } from "./runner/runner_vault.ts";
export { SessionRevocations } from "./auth/session_revocations.ts";

const app = new Hono<AppEnv>()
  .get("/healthz", (c) => c.req.query("deep") === "1" ? deepHealth(c) : c.json({ status: "ok" }))
  .use("*", requireValidSettings())
  .use(
    "/api/*",
    limitBody(
      "request body",
      (c) => c.req.path === "/api/v1/backup/import" ? BACKUP_IMPORT_MAX_BYTES : API_MAX_BYTES,
    ),
  )
  .route("/", webhookRoutes)
  .route("/", metricsRoutes)
  .route("/", deadLetterRoutes)
  .route("/", runnerRoutes)
  .route("/", coreControlRoutes)
  .route("/", coreRoutes)
  .route("/", openApiRoutes(rootApp))
  .route("/", apiRoutes)
  .all("*", (c) => c.env.ASSETS ? c.env.ASSETS.fetch(c.req.raw) : c.notFound())
  .onError((error, c) => errorResponse(c, error));

/** The finished app, for the OpenAPI document, which lists its routes at its first request. */
function rootApp(): Hono<AppEnv> {
  return app;
}

export default app;
