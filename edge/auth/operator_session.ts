/**
 * Operator sessions: an HS256 JWT signed with SESSION_SECRET, carried in the
 * `__Host-gantry_session` cookie (console) or as `Authorization: Bearer` (CLI).
 * The cookie is HttpOnly (no script reads it), Secure, and SameSite=Strict
 * (no other site's page sends it).
 *
 * Each session has a random `jti`; signing out records it in the operator's
 * SessionRevocations Durable Object, and every request checks it there, so
 * a copied token stops working at sign-out rather than at `exp`.
 */
import type { DurableObjectStub } from "cloudflare:workers";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { errors, jwtVerify, SignJWT } from "jose";
import { ForbiddenError, UnauthorizedError } from "../../shared/errors.ts";
import type { AppEnv, Operator } from "../env.ts";
import { ConfigError } from "../../shared/errors.ts";
import { databaseOf } from "../api/database.ts";
import { userStoreOf } from "../api/user_store.ts";
import { isAuthDisabled } from "./auth_config.ts";
import { proveProxied } from "./proxy_proof.ts";
import { currentStanding } from "./user_standing.ts";
import type { SessionRevocations } from "./session_revocations.ts";
import { edgeLog } from "../log.ts";

/**
 * `__Host-`: the browser accepts it only Secure, from this host, with Path=/
 * and no Domain, so a sibling subdomain cannot set or shadow it.
 */
export const SESSION_COOKIE = "__Host-gantry_session";
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
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const expiresAtS = now + options.ttlSeconds;
  // `ims`: the issue time in ms, so "sign out everywhere" then signing in within a second works.
  const token = await new SignJWT({ role: subject.role, email: subject.email, ims: nowMs })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject.id)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(expiresAtS)
    .setJti(crypto.randomUUID())
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

/**
 * Signs out the presented session (cookie or Bearer) for good, then clears
 * the cookie. Returns its operator, or null when no valid session was
 * presented (none, expired, or already signed out: repeating is harmless).
 */
export async function endSession(c: Context<AppEnv>): Promise<Operator | null> {
  const session = await verifiedSessionOrNull(c);
  if (session?.jti) {
    const { sub, expiresAt } = session.operator;
    await revocationsOf(c.env, sub).revoke(session.jti, expiresAt);
    notRevokedUntil.delete(cacheKey(sub, session.jti));
  }
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
  return session?.operator ?? null;
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
  return (await verifiedSessionOrNull(c))?.operator ?? null;
}

async function verifiedSessionOrNull(c: Context<AppEnv>): Promise<VerifiedSession | null> {
  try {
    return await verifiedSession(c);
  } catch (error) {
    if (error instanceof UnauthorizedError) return null;
    throw error;
  }
}

/** A session that verified: its operator and the id it is revoked by (none when auth is off). */
interface VerifiedSession {
  operator: Operator;
  jti: string | null;
}

async function verifySession(c: Context<AppEnv>): Promise<Operator> {
  return (await verifiedSession(c)).operator;
}

/**
 * The session of the Bearer token, else of the session cookie.
 *
 * @throws {UnauthorizedError} when neither is present, the token does not
 *   verify, or it was signed out.
 */
async function verifiedSession(c: Context<AppEnv>): Promise<VerifiedSession> {
  if (isAuthDisabled(c.env)) {
    const proof = await proveProxied(c);
    return { operator: { ...proxiedOperator(), email: proof.email }, jti: null };
  }
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : getCookie(c, SESSION_COOKIE);
  if (!token) throw new UnauthorizedError("sign in first");
  let claims: {
    sub?: string;
    role?: unknown;
    email?: unknown;
    exp?: number;
    iat?: number;
    ims?: unknown;
    jti?: string;
  };
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
  const operator: Operator = {
    sub: String(claims.sub),
    role: claims.role === "admin" ? "admin" : "viewer",
    email: typeof claims.email === "string" ? claims.email : null,
    expiresAt: (claims.exp ?? 0) * 1000,
  };
  // Sessions signed before ids existed are revoked by their token's hash.
  const jti = typeof claims.jti === "string" ? claims.jti : `sha256:${await sha256Hex(token)}`;
  if (await isRevoked(c.env, operator.sub, jti)) {
    throw new UnauthorizedError("session signed out; sign in again");
  }
  const issuedAtMs = typeof claims.ims === "number" ? claims.ims : (claims.iat ?? 0) * 1000;
  const standing = await currentStanding(userStoreOf(databaseOf(c.env)), {
    userId: operator.sub,
    issuedAtMs,
  });
  return { operator: { ...operator, role: standing.role, email: standing.email }, jti };
}

/**
 * How long an isolate trusts a "not signed out" answer. A few seconds spare
 * the object a call for each of the requests a console page fires together;
 * the cost is that a token signed out through another isolate may still
 * work there for up to this long. The isolate that handles the sign-out
 * forgets its entry at once.
 */
const NOT_REVOKED_TRUST_MS = 5_000;
/** Past this many entries the cache starts over (a bound, not an LRU: entries live 5 s). */
const MAX_CACHED = 1_000;
const notRevokedUntil = new Map<string, number>();

function cacheKey(sub: string, jti: string): string {
  return `${sub}\n${jti}`;
}

async function isRevoked(env: AppEnv["Bindings"], sub: string, jti: string): Promise<boolean> {
  const key = cacheKey(sub, jti);
  const now = Date.now();
  if ((notRevokedUntil.get(key) ?? 0) > now) return false;
  if (await revocationsOf(env, sub).isRevoked(jti)) return true;
  if (notRevokedUntil.size >= MAX_CACHED) notRevokedUntil.clear();
  notRevokedUntil.set(key, now + NOT_REVOKED_TRUST_MS);
  return false;
}

/** The operator's own revocation list (see session_revocations.ts for why per operator). */
function revocationsOf(
  env: AppEnv["Bindings"],
  sub: string,
): DurableObjectStub<SessionRevocations> {
  return env.SESSION_REVOCATIONS.get(env.SESSION_REVOCATIONS.idFromName(sub));
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
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
    edgeLog.warn("AUTH_DISABLED=true: console sign-in is off and every request is an admin");
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
