/** Sign-in settings from the Worker's vars, with their defaults. */
import type { Env } from "../env.ts";
import { ConfigError } from "../../shared/errors.ts";
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

const EIGHT_HOURS = 8 * 3600;

/**
 * Reads SESSION_TTL_SECONDS (default 8 h), LOGIN_MAX_FAILURES_PER_ACCOUNT
 * (5), LOGIN_MAX_FAILURES_PER_IP (20), LOGIN_WINDOW_SECONDS (15 min).
 *
 * @throws {ConfigError} when one is set but not a positive integer.
 */
export function authConfigOf(env: Env): AuthConfig {
  return {
    sessionTtlSeconds: positiveInteger(env, "SESSION_TTL_SECONDS", EIGHT_HOURS),
    maxFailuresPerAccount: positiveInteger(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
    maxFailuresPerIp: positiveInteger(env, "LOGIN_MAX_FAILURES_PER_IP", 20),
    windowMs: positiveInteger(env, "LOGIN_WINDOW_SECONDS", 15 * 60) * 1000,
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

type IntegerVar =
  | "SESSION_TTL_SECONDS"
  | "LOGIN_MAX_FAILURES_PER_ACCOUNT"
  | "LOGIN_MAX_FAILURES_PER_IP"
  | "LOGIN_WINDOW_SECONDS";

function positiveInteger(env: Env, name: IntegerVar, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive whole number`);
  }
  return value;
}
