/**
 * `GET /metrics` (Prometheus text): for a scraper holding METRICS_TOKEN, or
 * a signed-in operator.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { UnauthorizedError } from "../../shared/errors.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { queueOf } from "../queue/queue_of.ts";
import { renderMetrics } from "./prometheus.ts";
import { databaseUnavailableIn } from "../api/database_guard.ts";
import { databaseOf } from "../api/database.ts";
import { nowOf } from "../clock.ts";
import { renderCoreMetrics } from "../control/core_metrics.ts";
import { heartbeats } from "../control/control_store.ts";
import { edgeLog } from "../log.ts";

async function isSameSecret(a: string, b: string): Promise<boolean> {
  // Compare digests so the comparison takes the same time whatever the input.
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  return x.reduce((diff, byte, i) => diff | (byte ^ y[i]), 0) === 0;
}

const requireScraperOrOperator = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const expected = c.env.METRICS_TOKEN;
  if (expected && header.startsWith("Bearer ") && await isSameSecret(header.slice(7), expected)) {
    return await next();
  }
  if (!header && !c.req.header("cookie")) {
    throw new UnauthorizedError("metrics need METRICS_TOKEN as a bearer token, or a session");
  }
  return await requireOperator("viewer")(c, next);
});

/** The cores' metrics; none while libSQL is down (the queue's still answer). */
async function coreMetricsOf(env: AppEnv["Bindings"]): Promise<string> {
  try {
    return await renderCoreMetrics(await heartbeats(databaseOf(env)), nowOf(env));
  } catch (error) {
    // Drizzle wraps the client's error ("Failed query: …"): look down the cause chain.
    const unavailable = databaseUnavailableIn(error);
    if (!unavailable) throw error;
    edgeLog.warn("core metrics left out of /metrics: libSQL is unreachable", {
      error: unavailable.message,
    });
    return "";
  }
}

export const metricsRoutes = new Hono<AppEnv>()
  .get("/metrics", requireScraperOrOperator, async (c) => {
    const queue = queueOf(c.env);
    const [stats, counters, cores] = await Promise.all([
      queue.stats(),
      queue.counters(),
      coreMetricsOf(c.env),
    ]);
    return c.text(renderMetrics(stats, counters) + cores, 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
