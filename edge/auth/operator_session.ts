/**
 * Operator sessions: an HS256 JWT signed with SESSION_SECRET, carried in the
 * `gantry_session` cookie (console) or as `Authorization: Bearer` (CLI).
 * The cookie is HttpOnly (no script reads it), Secure, and SameSite=Strict
 * (no other site's page sends it).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { errors, jwtVerify, SignJWT } from "jose";
import { ForbiddenError, UnauthorizedError } from "../../shared/errors.ts";
import type { AppEnv, Operator } from "../env.ts";
import { ConfigError } from "../../shared/errors.ts";
import { isAuthDisabled } from "./auth_config.ts";

export const SESSION_COOKIE = "gantry_session";
export const SESSION_AUDIENCE = "gantry-console";

type Role = "viewer" | "admin";

/** Who a new session is for. */
export interface SessionSubject {
  id: string;
  email: string;
  role: Role;
}

/** Signs a session for `subject` that ends after `ttlSeconds`, and sets it as the cookie. */
export async function startSession(
  c: Context<AppEnv>,
  subject: SessionSubject,
  options: { ttlSeconds: number },
): Promise<Operator> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAtS = now + options.ttlSeconds;
  const token = await new SignJWT({ role: subject.role, email: subject.email })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject.id)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(expiresAtS)
    .sign(sessionKey(c));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: options.ttlSeconds,
  });
  return {
    sub: subject.id,
    role: subject.role,
    email: subject.email,
    expiresAt: expiresAtS * 1000,
  };
}

/** Clears the session cookie. (The JWT itself stays valid until it expires.) */
export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
}

/** Requires a signed-in operator with at least `role`. */
export function requireOperator(role: Role = "viewer") {
  return createMiddleware<AppEnv>(async (c, next) => {
    const operator = await verifySession(c);
    if (role === "admin" && operator.role !== "admin") {
      throw new ForbiddenError("this action needs the admin role");
    }
    c.set("operator", operator);
    await next();
  });
}

/** The session's operator, or null when there is none or it does not verify. */
export async function readSession(c: Context<AppEnv>): Promise<Operator | null> {
  try {
    return await verifySession(c);
  } catch (error) {
    if (error instanceof UnauthorizedError) return null;
    throw error;
  }
}

/**
 * The operator of the Bearer token, else of the session cookie.
 *
 * @throws {UnauthorizedError} when neither is present or the token does not verify.
 */
async function verifySession(c: Context<AppEnv>): Promise<Operator> {
  if (isAuthDisabled(c.env)) return proxiedOperator();
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : getCookie(c, SESSION_COOKIE);
  if (!token) throw new UnauthorizedError("sign in first");
  let claims: { sub?: string; role?: unknown; email?: unknown; exp?: number };
  try {
    ({ payload: claims } = await jwtVerify(token, sessionKey(c), {
      audience: SESSION_AUDIENCE,
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp"],
    }));
  } catch (cause) {
    const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
    throw new UnauthorizedError(`session rejected (${reason}); sign in again`, { cause });
  }
  return {
    sub: String(claims.sub),
    role: claims.role === "admin" ? "admin" : "viewer",
    email: typeof claims.email === "string" ? claims.email : null,
    expiresAt: (claims.exp ?? 0) * 1000,
  };
}

/** Who acts when sign-in is off: the audit log names them `auth-disabled`. */
export const AUTH_DISABLED_OPERATOR_ID = "auth-disabled";

let hasWarnedAuthDisabled = false;

/**
 * With AUTH_DISABLED=true every request is an admin: the edge trusts the
 * proxy in front of it to have authenticated the person. Logged once per
 * isolate so the setting shows in the Worker's logs too.
 */
function proxiedOperator(): Operator {
  if (!hasWarnedAuthDisabled) {
    hasWarnedAuthDisabled = true;
    console.warn(JSON.stringify({
      level: "warn",
      msg: "AUTH_DISABLED=true: console sign-in is off and every request is an admin",
    }));
  }
  return {
    sub: AUTH_DISABLED_OPERATOR_ID,
    role: "admin",
    email: null,
    // Nothing expires; a day ahead keeps the console's session view well formed.
    expiresAt: Date.now() + 24 * 3600_000,
  };
}

/** Below this an HS256 key could be brute-forced offline from one session token. */
export const MIN_SESSION_SECRET_LENGTH = 32;

function sessionKey(c: Context<AppEnv>): Uint8Array {
  const secret = c.env.SESSION_SECRET ?? "";
  if (secret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new ConfigError(
      `SESSION_SECRET must be at least ${MIN_SESSION_SECRET_LENGTH} characters (openssl rand -base64 32)`,
    );
  }
  return new TextEncoder().encode(secret);
}
