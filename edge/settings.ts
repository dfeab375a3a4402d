/**
 * The edge's numeric vars, checked with zod before any route runs: a typo
 * (`WEBHOOK_MAX_BYTES = "1MB"`) stops every request with a message naming
 * the var, instead of silently meaning "no limit". Workers have no start
 * hook, so the first request of an isolate does the check, and the answer
 * is kept per set of values.
 */
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { ConfigError } from "../shared/errors.ts";
import { MAX_QUEUE_SHARDS } from "../shared/queue_shard.ts";
import type { AppEnv, Env } from "./env.ts";

/** Default largest webhook body: GitHub caps payloads at 25 MB; workflow_job ones are a few KB. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 1024 * 1024;
/** Largest console API body: every form and JSON edit is far smaller. */
export const API_MAX_BYTES = 64 * 1024;
/** Largest backup import (`POST /api/v1/backup/import`): a whole configuration. */
export const BACKUP_IMPORT_MAX_BYTES = 4 * 1024 * 1024;

/** A var holding a whole number in [min, max]; unset or empty means `fallback`. */
function wholeNumber(options: { min: number; max: number; fallback: number }) {
  return z.string().optional().transform((raw, context) => {
    if (raw === undefined || raw.trim() === "") return options.fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value)) {
      context.addIssue({ code: "custom", message: `must be a whole number, not "${raw}"` });
      return z.NEVER;
    }
    if (value < options.min || value > options.max) {
      context.addIssue({
        code: "custom",
        message: `must be from ${options.min} to ${options.max}, not ${value}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

const Settings = z.object({
  WEBHOOK_MAX_BYTES: wholeNumber({
    min: 1024,
    max: 25 * 1024 * 1024,
    fallback: DEFAULT_WEBHOOK_MAX_BYTES,
  }),
  SESSION_TTL_SECONDS: wholeNumber({ min: 60, max: 30 * 24 * 3600, fallback: 8 * 3600 }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: wholeNumber({ min: 1, max: 1000, fallback: 5 }),
  LOGIN_MAX_FAILURES_PER_IP: wholeNumber({ min: 1, max: 100_000, fallback: 20 }),
  LOGIN_WINDOW_SECONDS: wholeNumber({ min: 1, max: 7 * 24 * 3600, fallback: 15 * 60 }),
  QUEUE_SHARDS: wholeNumber({ min: 1, max: MAX_QUEUE_SHARDS, fallback: 1 }),
});

/** The numeric settings, parsed. */
export type EdgeSettings = z.output<typeof Settings>;

const KEYS = Object.keys(Settings.shape) as (keyof EdgeSettings)[];
const parsedByValues = new Map<string, EdgeSettings>();

/**
 * The numeric settings of `env`.
 *
 * @throws {ConfigError} naming every var that is not a whole number in its range.
 */
export function settingsOf(env: Env): EdgeSettings {
  const values = Object.fromEntries(KEYS.map((key) => [key, env[key]]));
  const cacheKey = JSON.stringify(values);
  const cached = parsedByValues.get(cacheKey);
  if (cached) return cached;
  const parsed = Settings.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`the edge's vars are invalid: ${problems.join("; ")}`, {
      cause: parsed.error,
    });
  }
  parsedByValues.set(cacheKey, parsed.data);
  return parsed.data;
}

/** Refuses every request while a numeric var is invalid (the check runs once per set of values). */
export function requireValidSettings() {
  return createMiddleware<AppEnv>(async (c, next) => {
    settingsOf(c.env);
    await next();
  });
}
