/**
 * `/api/v1/auth/*`: sign-in options, local sign-in and sign-out, SSO
 * (oidc_routes.ts), invitations and password changes (account_routes.ts),
 * the current session, and the one-time bootstrap of the first admin.
 */
import { Hono } from "hono";
import { ConflictError, NotFoundError, UnauthorizedError } from "../../shared/errors.ts";
import {
  type AuthOptions,
  BootstrapRequest,
  LoginRequest,
  type SessionView,
} from "../../shared/schema/console.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { userStoreOf } from "../api/user_store.ts";
import type { AppEnv, Operator } from "../env.ts";
import { parseBody } from "../validation.ts";
import { accountRoutes } from "./account_routes.ts";
import { authConfigOf } from "./auth_config.ts";
import { isBootstrapToken } from "./bootstrap.ts";
import { clientNetworkOf } from "./client_network.ts";
import { oidcRoutes } from "./oidc_routes.ts";
import { endSession, requireOperator, startSession } from "./operator_session.ts";
import { hashPassword } from "./password.ts";
import { signIn } from "./sign_in.ts";

/** The sign-in throttle: one object for the deployment. */
function throttleOf(env: AppEnv["Bindings"]) {
  return env.LOGIN_THROTTLE.get(env.LOGIN_THROTTLE.idFromName("sign-in"));
}

function sessionView(operator: Operator): SessionView {
  return {
    id: operator.sub,
    email: operator.email,
    role: operator.role,
    expiresAt: operator.expiresAt,
  };
}

export const authRoutes = new Hono<AppEnv>()
  .route("/", oidcRoutes)
  .route("/", accountRoutes)
  .get("/api/v1/auth/options", (c) => {
    const config = authConfigOf(c.env);
    const options: AuthOptions = config.isAuthDisabled
      ? { local: false, sso: false, authDisabled: true }
      : { local: true, sso: config.isSsoConfigured, authDisabled: false };
    // Only when set, so a real deployment's answer is unchanged.
    return c.json(c.env.SIMULATED === "true" ? { ...options, simulated: true } : options);
  })
  .post("/api/v1/auth/login", async (c) => {
    const credentials = await parseBody(c.req.raw, LoginRequest);
    const config = authConfigOf(c.env);
    const db = databaseOf(c.env);
    const result = await signIn(credentials, {
      users: userStoreOf(db),
      throttle: throttleOf(c.env),
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
  .post("/api/v1/auth/logout", async (c) => {
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
  .get("/api/v1/auth/me", requireOperator("viewer"), (c) => c.json(sessionView(c.get("operator"))))
  .post("/api/v1/auth/bootstrap", async (c) => {
    const secret = c.env.BOOTSTRAP_TOKEN;
    if (!secret) {
      throw new NotFoundError(
        "bootstrap is off: set the BOOTSTRAP_TOKEN secret to create the first admin",
      );
    }
    const db = databaseOf(c.env);
    const ip = c.req.header("cf-connecting-ip") ?? "unknown";
    const audit = (outcome: "ok" | "failed", target: string | null, reason?: string) =>
      recordAudit(db, {
        actor: "bootstrap",
        action: "auth.bootstrap",
        target,
        outcome,
        payload: reason ? { ip, reason } : { ip },
      });
    if (!await isBootstrapToken(c.req.header("authorization"), secret)) {
      // One row per network per window: guessing must not fill the audit log.
      const slot = await throttleOf(c.env).auditSlot(
        `audit:bootstrap@${clientNetworkOf(ip)}`,
        authConfigOf(c.env).windowMs,
      );
      if (slot.shouldAudit) await audit("failed", null, "bad_token");
      throw new UnauthorizedError("wrong bootstrap token");
    }
    const request = await parseBody(c.req.raw, BootstrapRequest);
    const user = await userStoreOf(db).createFirstAdmin({
      email: request.email,
      name: request.name,
      passwordHash: await hashPassword(request.password),
    }, Date.now());
    if (!user) {
      await audit("failed", request.email, "users_exist");
      throw new ConflictError(
        "bootstrap works only while no user exists; sign in, and remove the BOOTSTRAP_TOKEN secret",
      );
    }
    await audit("ok", user.id);
    return c.json({ user }, 201);
  });
