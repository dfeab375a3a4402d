/** Sign-in settings from the Worker's vars, with their defaults. */
import { GantryError } from "../../shared/errors.ts";
import type { Env } from "../env.ts";

/** Sign-in settings, parsed. */
export interface AuthConfig {
  sessionTtlSeconds: number;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowMs: number;
  /** OIDC is configured: the sign-in page offers SSO. */
  isSsoConfigured: boolean;
}

/** An operator-set var that cannot be used (HTTP 500, with the var named so it can be fixed). */
export class MisconfiguredError extends GantryError {
  constructor(message: string) {
    super("misconfigured", message);
  }
}

const EIGHT_HOURS = 8 * 3600;

/**
 * Reads SESSION_TTL_SECONDS (default 8 h), LOGIN_MAX_FAILURES_PER_ACCOUNT
 * (5), LOGIN_MAX_FAILURES_PER_IP (20), LOGIN_WINDOW_SECONDS (15 min).
 *
 * @throws {MisconfiguredError} when one is set but not a positive integer.
 */
export function authConfigOf(env: Env): AuthConfig {
  return {
    sessionTtlSeconds: positiveInteger(env, "SESSION_TTL_SECONDS", EIGHT_HOURS),
    maxFailuresPerAccount: positiveInteger(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
    maxFailuresPerIp: positiveInteger(env, "LOGIN_MAX_FAILURES_PER_IP", 20),
    windowMs: positiveInteger(env, "LOGIN_WINDOW_SECONDS", 15 * 60) * 1000,
    isSsoConfigured: Boolean(env.OIDC_ISSUER && env.OIDC_CLIENT_ID),
  };
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
    throw new MisconfiguredError(`${name} must be a positive whole number`);
  }
  return value;
}
