/**
 * Operator sessions: an HS256 JWT signed with SESSION_SECRET, carried in the
 * `gantry_session` cookie (console) or as `Authorization: Bearer` (CLI).
 */
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { errors, jwtVerify } from "jose";
import { ForbiddenError, UnauthorizedError } from "../../shared/errors.ts";
import type { AppEnv } from "../env.ts";

export const SESSION_COOKIE = "gantry_session";
export const SESSION_AUDIENCE = "gantry-console";

type Role = "viewer" | "admin";

/** Requires a signed-in operator with at least `role`. */
export function requireOperator(role: Role = "viewer") {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : getCookie(c, SESSION_COOKIE);
    if (!token) throw new UnauthorizedError("sign in first");
    let claims: { sub?: string; role?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(
        token,
        new TextEncoder().encode(c.env.SESSION_SECRET),
        { audience: SESSION_AUDIENCE, algorithms: ["HS256"], requiredClaims: ["sub", "exp"] },
      ));
    } catch (cause) {
      const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
      throw new UnauthorizedError(`session rejected (${reason}); sign in again`, { cause });
    }
    const granted: Role = claims.role === "admin" ? "admin" : "viewer";
    if (role === "admin" && granted !== "admin") {
      throw new ForbiddenError("this action needs the admin role");
    }
    c.set("operator", { sub: String(claims.sub), role: granted });
    await next();
  });
}
