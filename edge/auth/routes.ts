/**
 * `/api/v1/auth/*`: sign-in options, local sign-in and sign-out, SSO
 * (oidc_routes.ts), invitations and password changes (account_routes.ts),
 * the current session, and the one-time bootstrap of the first admin.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { ConflictError, NotFoundError, UnauthorizedError } from "../../shared/errors.ts";
import {
  AuthOptions,
  BootstrapRequest,
  LoginRequest,
  SessionView,
  UserResponse,
} from "../../shared/schema/console.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { userStoreOf } from "../api/user_store.ts";
import type { AppEnv, Operator } from "../env.ts";
import { describe } from "../openapi/describe.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import { accountRoutes } from "./account_routes.ts";
import { authConfigOf } from "./auth_config.ts";
import { isBootstrapToken } from "./bootstrap.ts";
import { clientNetworkOf } from "./client_network.ts";
import { oidcRoutes } from "./oidc_routes.ts";
import { endSession, requireOperator, startSession } from "./operator_session.ts";
import { hashPassword } from "./password.ts";
import { signIn } from "./sign_in.ts";
import { loginThrottleOf } from "./login_throttle.ts";

function sessionView(operator: Operator): SessionView {
  return {
    id: operator.sub,
    email: operator.email,
    role: operator.role,
    expiresAt: operator.expiresAt,
  };
}

/** One audit row of a bootstrap attempt. */
function auditBootstrap(
  c: Context<AppEnv>,
  outcome: "ok" | "failed",
  target: string | null,
  reason?: string,
): Promise<void> {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  return recordAudit(databaseOf(c.env), {
    actor: "bootstrap",
    action: "auth.bootstrap",
    target,
    outcome,
    payload: reason ? { ip, reason } : { ip },
  });
}

/** The bootstrap secret, checked before the body is read: 404 while off, 401 when wrong. */
const requireBootstrapToken = createMiddleware<AppEnv>(async (c, next) => {
  const secret = c.env.BOOTSTRAP_TOKEN;
  if (!secret) {
    throw new NotFoundError(
      "bootstrap is off: set the BOOTSTRAP_TOKEN secret to create the first admin",
    );
  }
  if (!await isBootstrapToken(c.req.header("authorization"), secret)) {
    // One row per network per window: guessing must not fill the audit log.
    const ip = c.req.header("cf-connecting-ip") ?? "unknown";
    const slot = await loginThrottleOf(c.env).auditSlot(
      `audit:bootstrap@${clientNetworkOf(ip)}`,
      authConfigOf(c.env).windowMs,
    );
    if (slot.shouldAudit) await auditBootstrap(c, "failed", null, "bad_token");
    throw new UnauthorizedError("wrong bootstrap token");
  }
  await next();
});

/** Each route's entry in the OpenAPI document. */
const docs = {
  options: describe({
    summary: "How to sign in",
    access: "public",
    responses: { 200: AuthOptions },
  }),
  login: describe({
    summary: "Sign in with email and password; sets the session cookie",
    access: "public",
    responses: { 200: SessionView },
    refusals: [429],
  }),
  logout: describe({
    summary: "Sign out for good (the session presented, if any) and clear the cookie",
    access: "public",
    responses: { 204: null },
  }),
  me: describe({ summary: "Who is signed in", access: "viewer", responses: { 200: SessionView } }),
  bootstrap: describe({
    summary: "Create the first admin (only while no user exists; audited)",
    access: "bootstrap",
    responses: { 201: UserResponse },
    refusals: [404, 409],
  }),
};

export const authRoutes = new Hono<AppEnv>()
  .route("/", oidcRoutes)
  .route("/", accountRoutes)
  .get("/api/v1/auth/options", docs.options, (c) => {
    const config = authConfigOf(c.env);
    const options: AuthOptions = config.isAuthDisabled
      ? { local: false, sso: false, authDisabled: true }
      : { local: true, sso: config.isSsoConfigured, authDisabled: false };
    // Only when set, so a real deployment's answer is unchanged.
    return c.json(c.env.SIMULATED === "true" ? { ...options, simulated: true } : options);
  })
  .post("/api/v1/auth/login", docs.login, readJsonBody, jsonBody(LoginRequest), async (c) => {
    const credentials = c.req.valid("json");
    const config = authConfigOf(c.env);
    const db = databaseOf(c.env);
    const result = await signIn(credentials, {
      users: userStoreOf(db),
      throttle: loginThrottleOf(c.env),
      audit: (entry) => recordAudit(db, entry),
      config,
      ip: c.req.header("cf-connecting-ip") ?? "unknown",
      userAgent: c.req.header("user-agent") ?? null,
    });
    if (result.outcome === "rate_limited") {
      const message = `too many failed sign-ins; try again in ${result.retryAfterSeconds} s`;
      return c.json({ error: { code: "rate_limited", message } }, 429, {
        "retry-after": String(result.retryAfterSeconds),
      });
    }
    if (result.outcome === "refused") throw new UnauthorizedError("wrong email or password");
    const operator = await startSession(c, result.user, { ttlSeconds: config.sessionTtlSeconds });
    return c.json(sessionView(operator));
  })
  .post("/api/v1/auth/logout", docs.logout, async (c) => {
    const operator = await endSession(c);
    if (operator) {
      await recordAudit(databaseOf(c.env), {
        actor: actorOf(operator),
        action: "auth.logout",
        target: operator.sub,
        outcome: "ok",
      });
    }
    return c.body(null, 204);
  })
  .get("/api/v1/auth/me", docs.me, requireOperator("viewer"), (c) => {
    return c.json(sessionView(c.get("operator")));
  })
  .post(
    "/api/v1/auth/bootstrap",
    docs.bootstrap,
    requireBootstrapToken,
    readJsonBody,
    jsonBody(BootstrapRequest),
    async (c) => {
      const request = c.req.valid("json");
      const user = await userStoreOf(databaseOf(c.env)).createFirstAdmin({
        email: request.email,
        name: request.name,
        passwordHash: await hashPassword(request.password),
      }, Date.now());
      if (!user) {
        await auditBootstrap(c, "failed", request.email, "users_exist");
        throw new ConflictError(
          "bootstrap works only while no user exists; sign in, and remove the BOOTSTRAP_TOKEN secret",
        );
      }
      await auditBootstrap(c, "ok", user.id);
      return c.json({ user }, 201);
    },
  );
