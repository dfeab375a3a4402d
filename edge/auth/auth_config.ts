/** Sign-in settings from the Worker's vars, with their defaults. */
import type { Env } from "../env.ts";
import { ConfigError } from "../../shared/errors.ts";
import { settingsOf } from "../settings.ts";
import { oidcConfigOf } from "./oidc_config.ts";

/** Sign-in settings, parsed. */
export interface AuthConfig {
  sessionTtlSeconds: number;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowMs: number;
  /** OIDC is configured: the sign-in page offers SSO. */
  isSsoConfigured: boolean;
  /** AUTH_DISABLED=true: no sign-in; everyone who reaches the edge is an admin. */
  isAuthDisabled: boolean;
}

/**
 * Reads SESSION_TTL_SECONDS (default 8 h), LOGIN_MAX_FAILURES_PER_ACCOUNT
 * (5), LOGIN_MAX_FAILURES_PER_IP (20), LOGIN_WINDOW_SECONDS (15 min).
 *
 * @throws {ConfigError} when one is set but not a whole number in its range (settings.ts).
 */
export function authConfigOf(env: Env): AuthConfig {
  const settings = settingsOf(env);
  return {
    sessionTtlSeconds: settings.SESSION_TTL_SECONDS,
    maxFailuresPerAccount: settings.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxFailuresPerIp: settings.LOGIN_MAX_FAILURES_PER_IP,
    windowMs: settings.LOGIN_WINDOW_SECONDS * 1000,
    isSsoConfigured: oidcConfigOf(env) !== null,
    isAuthDisabled: isAuthDisabled(env),
  };
}

/**
 * AUTH_DISABLED: `true` turns sign-in off (for an edge behind an
 * authenticating proxy); unset, empty or `false` keeps it on.
 *
 * @throws {ConfigError} for any other value, so a typo ("yes", "1")
 *   neither opens the console nor is silently ignored.
 */
export function isAuthDisabled(env: Env): boolean {
  const raw = env.AUTH_DISABLED?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new ConfigError("AUTH_DISABLED must be true or false");
}
