import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GantryError, httpStatusOf, InvalidError } from "../shared/errors.ts";
import { databaseUnavailableIn } from "./api/database_guard.ts";
import { edgeLog } from "./log.ts";

/** The one place edge errors become HTTP answers: `{ error: { code, message } }`. */
export function errorResponse(c: Context, error: unknown): Response {
  // Drizzle wraps the client's error ("Failed query: …"), so look down the cause chain.
  const unavailable = databaseUnavailableIn(error);
  if (unavailable) {
    edgeLog.error("database unavailable", {
      path: new URL(c.req.url).pathname,
      error: unavailable.message,
    });
    return c.json({ error: { code: unavailable.code, message: unavailable.message } }, 503, {
      "retry-after": "5",
    });
  }
  if (error instanceof GantryError) {
    const status = httpStatusOf(error) as ContentfulStatusCode;
    const issues = error instanceof InvalidError && error.issues.length > 0
      ? { issues: error.issues }
      : {};
    // A 503 is for now: say when to ask again, as the database's does.
    const retry = status === 503 ? { "retry-after": "5" } : undefined;
    return c.json(
      { error: { code: error.code, message: error.message, ...issues } },
      status,
      retry,
    );
  }
  if (error instanceof HTTPException) {
    // Hono's own middleware (csrf, body limit) refusing a request.
    return c.json({
      error: { code: `http_${error.status}`, message: error.message || "request refused" },
    }, error.status as ContentfulStatusCode);
  }
  // Unknown failure: log the cause for operators, answer without internals.
  edgeLog.error("unhandled edge error", {
    path: new URL(c.req.url).pathname,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
}
