/**
 * Console SSO settings from the Worker's vars and secrets. SSO is on when
 * OIDC_ISSUER and OIDC_CLIENT_ID are both set; then at least one allowlist
 * must be set too, so a misread config cannot open the console to every
 * account the identity provider knows (a Google issuer knows everyone).
 */
import { z } from "zod";
import type { Env } from "../env.ts";
import { ConfigError } from "../../shared/errors.ts";

/** What the SSO flow and its access rules need. */
export interface OidcConfig {
  issuer: URL;
  clientId: string;
  /** Unset: a public client (PKCE only, `token_endpoint_auth_method=none`). */
  clientSecret: string | null;
  /** Where the provider sends the browser back; by default this edge's own callback. */
  redirectUri: string | null;
  scopes: string;
  /** The ID token claim that lists the user's groups. */
  groupsClaim: string;
  allowedDomains: readonly string[];
  allowedEmails: readonly string[];
  allowedGroups: readonly string[];
  adminGroups: readonly string[];
  adminEmails: readonly string[];
  /**
   * OIDC_ALLOW_UNVERIFIED_EMAILS=true: accept an ID token without
   * `email_verified` (some providers never send it). An explicit `false` is
   * still refused. Only for a provider that lets nobody set an email they do
   * not own.
   */
  allowsUnverifiedEmails: boolean;
}

/** A comma- or whitespace-separated var as a list of trimmed, non-empty entries. */
function listOf(raw: string | undefined, options: { isLowerCase?: boolean } = {}): string[] {
  const entries = (raw ?? "").split(/[\s,]+/).map((entry) => entry.trim()).filter(Boolean);
  return options.isLowerCase ? entries.map((entry) => entry.toLowerCase()) : entries;
}

const HttpUrl = z.url({ protocol: /^https?$/ });

/**
 * The SSO config, or null when SSO is off.
 *
 * @throws {ConfigError} naming the var when one is unusable, or when
 *   no allowlist is set.
 */
export function oidcConfigOf(env: Env): OidcConfig | null {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID) return null;
  if (!HttpUrl.safeParse(env.OIDC_ISSUER).success || !isSecureEnough(new URL(env.OIDC_ISSUER))) {
    throw new ConfigError(
      "OIDC_ISSUER must be the provider's https:// issuer URL (http:// only on loopback, for tests)",
    );
  }
  if (env.OIDC_REDIRECT_URI && !HttpUrl.safeParse(env.OIDC_REDIRECT_URI).success) {
    throw new ConfigError("OIDC_REDIRECT_URI must be an absolute URL");
  }
  const config: OidcConfig = {
    issuer: new URL(env.OIDC_ISSUER),
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET || null,
    redirectUri: env.OIDC_REDIRECT_URI || null,
    scopes: listOf(env.OIDC_SCOPES).join(" ") || "openid email profile",
    groupsClaim: env.OIDC_GROUPS_CLAIM?.trim() || "groups",
    // Domains and emails compare case-insensitively; group names as the provider spells them.
    allowedDomains: listOf(env.OIDC_ALLOWED_DOMAINS, { isLowerCase: true }).map((domain) =>
      domain.replace(/^@/, "")
    ),
    allowedEmails: listOf(env.OIDC_ALLOWED_EMAILS, { isLowerCase: true }),
    allowedGroups: listOf(env.OIDC_ALLOWED_GROUPS),
    adminGroups: listOf(env.OIDC_ADMIN_GROUPS),
    adminEmails: listOf(env.OIDC_ADMIN_EMAILS, { isLowerCase: true }),
    allowsUnverifiedEmails: booleanVar(
      env.OIDC_ALLOW_UNVERIFIED_EMAILS,
      "OIDC_ALLOW_UNVERIFIED_EMAILS",
    ),
  };
  if (!config.scopes.split(" ").includes("openid")) {
    throw new ConfigError("OIDC_SCOPES must include openid");
  }
  if (
    config.allowedDomains.length + config.allowedEmails.length + config.allowedGroups.length === 0
  ) {
    throw new ConfigError(
      "SSO needs an allowlist: set OIDC_ALLOWED_DOMAINS, OIDC_ALLOWED_EMAILS or OIDC_ALLOWED_GROUPS",
    );
  }
  return config;
}

/** `true` or `false` (unset or empty: false); anything else is a mistake worth stopping on. */
function booleanVar(raw: string | undefined, name: string): boolean {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new ConfigError(`${name} must be true or false`);
}

/** https, or plain http to this machine (a local provider in tests). */
export function isSecureEnough(url: URL): boolean {
  return url.protocol === "https:" || isLoopback(url);
}

/** Whether `url` names this machine. */
export function isLoopback(url: URL): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}
