/**
 * `/api/v1/auth/oidc/*`: console SSO. `login` starts an Authorization Code +
 * PKCE sign-in at the provider; `callback` finishes it, applies the
 * allowlists, and starts a session. Both are browser navigations, so a
 * refusal sends the browser back to the sign-in page with a reason
 * (`/signin?sso_error=…`) rather than a JSON error; every attempt is audited.
 */
import { type Context, Hono } from "hono";
import { NotFoundError, UpstreamError } from "../../shared/errors.ts";
import { recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import type { AppEnv } from "../env.ts";
import { authConfigOf } from "./auth_config.ts";
import {
  authorizationUrlOf,
  claimsOfCallback,
  newTransaction,
  OidcCallbackError,
} from "./oidc_client.ts";
import { type OidcConfig, oidcConfigOf } from "./oidc_config.ts";
import { safeNextPath, saveTransaction, takeTransaction } from "./oidc_transaction.ts";
import { startSession } from "./operator_session.ts";
import { ssoAccessOf } from "./sso_access.ts";
import { recordSsoUser } from "./sso_user.ts";
import { forgetStanding } from "./user_standing.ts";
import { edgeLog } from "../log.ts";
import { describe } from "../openapi/describe.ts";

const SSO_LOGIN = describe({
  summary: "Start an SSO sign-in: a redirect to the identity provider",
  description: "A browser navigation; `next` is where to land after. A refusal redirects to " +
    "`/signin?sso_error=…`.",
  access: "public",
  responses: { 302: "redirect" },
  refusals: [404],
});

const SSO_CALLBACK = describe({
  summary: "Finish an SSO sign-in: sets the session cookie and redirects to `next`",
  description: "The identity provider sends the browser here. A refusal redirects to " +
    "`/signin?sso_error=…` and is audited.",
  access: "public",
  responses: { 302: "redirect" },
  refusals: [404],
});

export const OIDC_CALLBACK_PATH = "/api/v1/auth/oidc/callback";

function ssoConfigOf(c: Context<AppEnv>): OidcConfig {
  const config = authConfigOf(c.env).isAuthDisabled ? null : oidcConfigOf(c.env);
  if (!config) {
    throw new NotFoundError("SSO is not configured (set OIDC_ISSUER and OIDC_CLIENT_ID)");
  }
  return config;
}

function redirectUriOf(c: Context<AppEnv>, config: OidcConfig): string {
  return config.redirectUri ?? `${new URL(c.req.url).origin}${OIDC_CALLBACK_PATH}`;
}

/** Back to the sign-in page, saying why. */
function toSignIn(c: Context<AppEnv>, reason: string, next: string): Response {
  const query = new URLSearchParams({ next, sso_error: reason });
  return c.redirect(`/signin?${query}`, 302);
}

export const oidcRoutes = new Hono<AppEnv>()
  .get("/api/v1/auth/oidc/login", SSO_LOGIN, async (c) => {
    const config = ssoConfigOf(c);
    const transaction = newTransaction(
      safeNextPath(c.req.query("next"), new URL(c.req.url).origin),
    );
    let url: URL;
    try {
      url = await authorizationUrlOf(config, {
        transaction,
        redirectUri: redirectUriOf(c, config),
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      edgeLog.error("sso unavailable", { error: error.message });
      return toSignIn(c, "unavailable", transaction.next);
    }
    await saveTransaction(c, transaction);
    return c.redirect(url.href, 302);
  })
  .get(OIDC_CALLBACK_PATH, SSO_CALLBACK, async (c) => {
    const config = ssoConfigOf(c);
    const db = databaseOf(c.env);
    const context = {
      method: "sso",
      ip: c.req.header("cf-connecting-ip") ?? "unknown",
      userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null,
    };
    const refuse = async (
      reason: string,
      next: string,
      detail: { email?: string | null; groups?: string[]; error?: string } = {},
    ) => {
      await recordAudit(db, {
        actor: detail.email ?? "sso",
        action: "auth.login",
        target: detail.email ?? null,
        outcome: "failed",
        payload: {
          ...context,
          reason,
          ...(detail.groups ? { groups: detail.groups.slice(0, 50) } : {}),
          ...(detail.error ? { error: detail.error } : {}),
        },
      });
      return toSignIn(c, reason, next);
    };

    const transaction = await takeTransaction(c);
    // Not audited: anyone can send this request, and a row each would be theirs to write.
    if (!transaction) return toSignIn(c, "expired", "/");
    let claims: Record<string, unknown>;
    try {
      claims = await claimsOfCallback(config, {
        callbackUrl: new URL(c.req.url),
        redirectUri: redirectUriOf(c, config),
        transaction,
      });
    } catch (error) {
      if (error instanceof OidcCallbackError) {
        return await refuse(error.reason, transaction.next, { error: error.message });
      }
      if (error instanceof UpstreamError) {
        return await refuse("unavailable", transaction.next, { error: error.message });
      }
      throw error;
    }

    const access = ssoAccessOf(claims, config);
    if (!access.isAllowed) {
      return await refuse(access.reason, transaction.next, {
        email: access.email,
        groups: access.groups,
      });
    }
    const name = typeof claims.name === "string" ? claims.name.slice(0, 100) : null;
    const user = await recordSsoUser(db, {
      // The ID token's iss and sub were verified by oauth4webapi (issuer match, required sub).
      issuer: String(claims.iss),
      subject: String(claims.sub),
      email: access.email,
      name,
      role: access.role,
    }, Date.now());
    if (!user.isAllowed) {
      return await refuse(user.reason, transaction.next, {
        email: access.email,
        groups: access.groups,
      });
    }
    // The role may have just changed with the provider's groups: do not serve a cached one.
    forgetStanding(user.id);
    await startSession(c, { id: user.id, email: user.email, role: user.role }, {
      ttlSeconds: authConfigOf(c.env).sessionTtlSeconds,
    });
    await recordAudit(db, {
      actor: access.email,
      action: "auth.login",
      target: user.id,
      outcome: "ok",
      payload: { ...context, role: user.role, groups: access.groups.slice(0, 50) },
    });
    // Checked again: a transaction sealed before this check existed may hold any path.
    return c.redirect(safeNextPath(transaction.next, new URL(c.req.url).origin), 302);
  });
