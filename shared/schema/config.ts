/**
 * The core's config file: schema, defaults and `GANTRY_*` environment
 * overrides. Reading the file (YAML) and the `*_file` secrets happens in
 * core/; this module only judges the parsed value and lists every problem by
 * key path, so an operator fixes a config in one pass.
 *
 * @module
 */

import { z } from "zod";
import { sanitizeLabel } from "../labels.ts";
import { PoolYaml } from "../pool_fields.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";
import { LabelName, OperatorTags } from "./vocabulary.ts";
import { RepoFullName } from "./webhook.ts";
import { type EnvKey, envKeysOf, overlayEnv } from "./env_overrides.ts";

/** One problem with the config, by key path (`projects.0.pools.1.ami`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Runs a cross-field check whenever the value is an object, even if a field inside failed. */
const IF_OBJECT = { when: (payload: { value: unknown }) => isRecord(payload.value) };

const HttpUrl = z.url({
  protocol: /^https?$/,
  error: (issue) => issue.code === "invalid_format" ? "expected an http(s) URL" : undefined,
});

const Tags = OperatorTags.default({});

const Edge = z.strictObject({
  url: HttpUrl,
  core_id: z.string().min(1).default("core-1"),
  private_key: z.string().regex(
    /-----BEGIN PRIVATE KEY-----/,
    'expected a PKCS8 PEM ("-----BEGIN PRIVATE KEY-----") of an Ed25519 key',
  ).optional(),
  private_key_file: z.string().min(1).optional(),
  lease_batch: z.int().min(1).max(500).default(50),
  lease_wait_seconds: z.int().min(0).max(25).default(25),
  lease_seconds: z.int().min(1).max(600).default(120),
}).superRefine((edge, ctx) => {
  exactlyOne(edge, ["private_key", "private_key_file"], ctx);
}, IF_OBJECT);

const Database = z.strictObject({
  url: z.string().regex(
    /^(file:|https?:\/\/|libsql:\/\/)/,
    'expected "file:...", "http(s)://..." or "libsql://..."',
  ),
  auth_token: z.string().min(1).optional(),
  auth_token_file: z.string().min(1).optional(),
  buffer_path: z.string().min(1).default("gantry-buffer.db"),
  timeout_ms: z.int().min(100).max(120_000).default(10_000),
  retry_interval_ms: z.int().min(10).max(60_000).default(1_000),
  mirror_refresh_seconds: z.int().min(1).max(86_400).default(60),
}).superRefine((database, ctx) => {
  atMostOne(database, ["auth_token", "auth_token_file"], ctx);
}, IF_OBJECT);

const Aws = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected a region like "us-east-1"')
    .default("us-east-1"),
  endpoint: HttpUrl.optional(),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  secret_access_key_file: z.string().min(1).optional(),
  max_attempts: z.int().min(1).max(20).default(5),
}).superRefine((aws, ctx) => {
  const secrets = ["secret_access_key", "secret_access_key_file"] as const;
  if (aws.access_key_id !== undefined) exactlyOne(aws, secrets, ctx);
  else if (secrets.some((key) => aws[key] !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["access_key_id"], message: "required with a secret" });
  }
}, IF_OBJECT);

const GitHub = z.strictObject({
  app_id: z.preprocess(
    (value) => typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value,
    z.int().positive(),
  ),
  private_key: z.string().regex(
    /-----BEGIN (RSA )?PRIVATE KEY-----/,
    'expected the GitHub App\'s PEM ("-----BEGIN RSA PRIVATE KEY-----")',
  ).optional(),
  private_key_file: z.string().min(1).optional(),
  api_url: HttpUrl.default("https://api.github.com"),
  /** Writes (JIT configs, runner removals) per second; GitHub's secondary limit allows about 3. */
  writes_per_second: z.number().positive().max(1000).default(3),
}).superRefine((github, ctx) => {
  exactlyOne(github, ["private_key", "private_key_file"], ctx);
}, IF_OBJECT);

const Scheduler = z.strictObject({
  batch_window_ms: z.int().min(0).max(5000).default(200),
  /** Most machines one launch call asks for. */
  max_batch: z.int().min(1).max(1000).default(500),
  /** Waits before retries of a launch that met no capacity, the last repeating (jittered). */
  launch_retry_delays_ms: z.array(z.int().min(0)).min(1)
    .default([30_000, 60_000, 120_000, 240_000, 300_000]),
  launch_retry_jitter: z.number().min(0).max(1).default(0.2),
  /** How often the launcher looks for jobs nobody poked it about (freed slots, due retries). */
  launch_sweep_interval_ms: z.int().min(50).max(60_000).default(1000),
  boot_timeout_seconds: z.int().positive().default(600),
  max_runtime_minutes: z.int().positive().default(60),
  reap_interval_seconds: z.int().positive().default(30),
  /** A runner whose launch job ran elsewhere (stolen) and that took no other job is reaped after this. */
  idle_timeout_minutes: z.int().positive().default(10),
  /** Jobs stuck in claimed/launching longer than this fail with a reason. */
  stuck_launch_minutes: z.int().positive().default(15),
  /** Re-runs of a job after spot interruptions, each forced on-demand; 0 disables. */
  spot_retries: z.int().min(0).max(10).default(2),
});

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex SHA-256");

/**
 * The actions runner release instances download, checked against its SHA-256
 * per architecture before unpacking. Unset: the release core/runner pins.
 * Version and digests move together, so all are required when set.
 */
const RunnerRelease = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "expected a runner version such as 2.336.0"),
  /** Base of `v<version>/actions-runner-linux-<arch>-<version>.tar.gz` (a mirror, or GitHub's). */
  archive_base_url: HttpUrl.default("https://github.com/actions/runner/releases/download"),
  sha256_x64: Sha256,
  sha256_arm64: Sha256,
});

/** The missed-webhook loop: redeliver failed deliveries, adopt unseen queued jobs, close stale ones. */
const Reconcile = z.strictObject({
  enabled: z.boolean().default(true),
  interval_seconds: z.int().positive().default(180),
  /** How far back the first pass looks for failed deliveries. */
  lookback_minutes: z.int().positive().default(60),
  /** Leave jobs younger than this to their webhooks. */
  min_age_seconds: z.int().min(0).default(60),
  /** Most jobs whose GitHub status is checked per pass. */
  max_job_checks: z.int().positive().default(50),
  /** Skip the job listings when fewer API calls than this remain in the rate-limit window. */
  min_rate_remaining: z.int().min(0).default(500),
});

const Log = z.strictObject({
  level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  format: z.enum(["json", "text"]).default("json"),
  file: z.string().min(1).optional(),
});

const Repo = z.strictObject({
  full_name: RepoFullName,
  cap: z.int().min(0).optional(),
  tags: Tags,
});

const Project = z.strictObject({
  name: LabelName,
  cap: z.int().min(0).default(0),
  tags: Tags,
  disabled: z.boolean().default(false),
  repos: z.array(Repo).default([]),
  pools: z.array(PoolYaml).default([]),
}).superRefine((project, ctx) => {
  const pools: unknown[] = Array.isArray(project.pools) ? project.pools : [];
  let defaultPool: string | undefined;
  const seen = new Map<string, number>();
  pools.forEach((pool, i) => {
    if (!isRecord(pool) || typeof pool.name !== "string") return;
    if (pool.default === true) {
      if (defaultPool === undefined) defaultPool = pool.name;
      else {
        ctx.addIssue({
          code: "custom",
          path: ["pools", i, "default"],
          message: `only one default pool per project; "${defaultPool}" is already the default`,
        });
      }
    }
    const label = sanitizeLabel(pool.name);
    const first = seen.get(label);
    if (first !== undefined && label !== "") {
      ctx.addIssue({
        code: "custom",
        path: ["pools", i, "name"],
        message: `same runner label "${label}" as pools.${first}.name`,
      });
    } else seen.set(label, i);
  });
}, IF_OBJECT);

/** The core's configuration, defaults filled in. */
export const CoreConfig = z.strictObject({
  edge: Edge,
  database: Database,
  aws: Aws.prefault({}),
  github: GitHub,
  scheduler: Scheduler.prefault({}),
  reconcile: Reconcile.prefault({}),
  log: Log.prefault({}),
  runner_release: RunnerRelease.optional(),
  projects: z.array(Project).default([]),
}).superRefine((config, ctx) => {
  const projects: unknown[] = Array.isArray(config.projects) ? config.projects : [];
  const names = new Map<string, number>();
  const repos = new Map<string, string>();
  projects.forEach((project, i) => {
    if (!isRecord(project)) return;
    if (typeof project.name === "string" && sanitizeLabel(project.name) !== "") {
      const label = sanitizeLabel(project.name);
      const first = names.get(label);
      if (first === undefined) names.set(label, i);
      else {
        ctx.addIssue({
          code: "custom",
          path: ["projects", i, "name"],
          message: `same runner label "${label}" as projects.${first}.name`,
        });
      }
    }
    const projectRepos: unknown[] = Array.isArray(project.repos) ? project.repos : [];
    projectRepos.forEach((repo, j) => {
      if (!isRecord(repo) || typeof repo.full_name !== "string") return;
      const key = repo.full_name.toLowerCase();
      const owner = repos.get(key);
      if (owner === undefined) repos.set(key, `projects.${i}`);
      else {
        ctx.addIssue({
          code: "custom",
          path: ["projects", i, "repos", j, "full_name"],
          message: `a repository belongs to one project; already listed in ${owner}`,
        });
      }
    });
  });
}, IF_OBJECT);
/** The core's configuration, defaults filled in. */
export type CoreConfig = z.infer<typeof CoreConfig>;

/** Where an environment variable lands in the config. */
export type ConfigEnvKey = EnvKey;

/** Every config key an environment variable can set (keys inside lists cannot). */
export const CONFIG_ENV_KEYS: readonly ConfigEnvKey[] = envKeysOf(CoreConfig, {
  prefix: "GANTRY_",
});

/**
 * Returns `raw` with `GANTRY_*` variables laid over it: `aws.region` ←
 * `GANTRY_AWS_REGION`, `scheduler.batch_window_ms` ←
 * `GANTRY_SCHEDULER_BATCH_WINDOW_MS`. Numbers and booleans are converted for
 * their key; a value that does not convert is passed as the string, so the
 * schema names the key. Empty variables count as unset. `raw` is not modified.
 */
export function applyEnvOverrides(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
): unknown {
  return overlayEnv(raw, { env, keys: CONFIG_ENV_KEYS });
}

/**
 * Parses a config value (from YAML or JSON) with `env` overrides applied.
 * On failure, lists every problem by key path; a problem in a value set by an
 * environment variable names the variable.
 */
export function parseCoreConfig(
  raw: unknown,
  env?: Readonly<Record<string, string | undefined>>,
): { ok: true; config: CoreConfig } | { ok: false; issues: ConfigIssue[] } {
  const input = env === undefined ? raw : applyEnvOverrides(raw, env);
  const result = CoreConfig.safeParse(input, { error: issueMessage });
  if (result.success) return { ok: true, config: result.data };
  const issues = issuesOf(result.error).map((issue): Issue => {
    const key = CONFIG_ENV_KEYS.find((k) => k.path.join(".") === issue.path);
    const isFromEnv = key !== undefined && env?.[key.env] !== undefined && env[key.env] !== "";
    return isFromEnv ? { ...issue, message: `${issue.message} (from ${key.env})` } : issue;
  });
  return { ok: false, issues };
}

function exactlyOne(
  value: Record<string, unknown>,
  keys: readonly string[],
  ctx: z.core.$RefinementCtx,
): void {
  const set = keys.filter((key) => value[key] !== undefined);
  if (set.length === 1) return;
  ctx.addIssue({
    code: "custom",
    path: set.length === 0 ? [] : [set[1]],
    message: set.length === 0
      ? `set one of ${keys.join(" or ")}`
      : `set only one of ${keys.join(" or ")}`,
  });
}

function atMostOne(
  value: Record<string, unknown>,
  keys: readonly string[],
  ctx: z.core.$RefinementCtx,
): void {
  const set = keys.filter((key) => value[key] !== undefined);
  if (set.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [set[1]],
      message: `set only one of ${keys.join(" or ")}`,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
