/**
 * CSRF protection for the console API, by the browser's own origin headers
 * (the algorithm of Go's `net/http.CrossOriginProtection`), on top of the
 * SameSite=Strict session cookie:
 *
 * - safe methods (GET, HEAD, OPTIONS) pass;
 * - `Sec-Fetch-Site: same-origin` (or `none`: typed by the user) passes, any
 *   other value is refused;
 * - without it (older browsers), an `Origin` whose host is not the
 *   request's host is refused;
 * - with neither header the client is not a browser (curl, the CLI), which
 *   cannot carry a victim's cookie, so it passes.
 *
 * Hono's `csrf()` only inspects form and text bodies; this also covers JSON.
 */
import { createMiddleware } from "hono/factory";
import { ForbiddenError } from "../../shared/errors.ts";
import type { AppEnv } from "../env.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Refuses state-changing requests a browser sent from another site. */
export function refuseCrossOrigin() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && isCrossOrigin(c.req.raw)) {
      throw new ForbiddenError("cross-origin request refused; use the console on this host");
    }
    await next();
  });
}

/** Whether a browser sent `request` from a page on another origin. */
export function isCrossOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin" && site !== "none";
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch (_unparsable) {
    // "null" (sandboxed frames, file: pages) or garbage: not this origin.
    return true;
  }
  return originHost !== new URL(request.url).host;
}
