import assert from "node:assert/strict";
import {
  applyEnvOverrides,
  CONFIG_ENV_KEYS,
  type ConfigIssue,
  CoreConfig,
  parseCoreConfig,
} from "./config.ts";

const EDGE_KEY =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...\n-----END PRIVATE KEY-----\n";

// deno-lint-ignore no-explicit-any
type Raw = Record<string, any>;

function minimal(): Raw {
  return {
    edge: { url: "https://gantry.example.workers.dev", private_key: EDGE_KEY },
    database: { url: "file:gantry.db" },
    github: { app_id: 12345, private_key_file: "/run/secrets/github-app.pem" },
  };
}

function full(): Raw {
  return {
    ...minimal(),
    projects: [{
      name: "MyApp",
      tags: { team: "infra" },
      repos: [{ full_name: "octocat/hello-world", tags: { repo: "hello" } }],
      pools: [
        {
          name: "small",
          default: true,
          priority: 10,
          ami: "ami-0123456789abcdef0",
          instance_types: ["t3.small"],
          subnets: ["subnet-1"],
        },
        {
          name: "large",
          spot: true,
          ami: "ami-0123456789abcdef0",
          instance_types: ["m7i.large", "m6i.large"],
          subnets: ["subnet-1", "subnet-2"],
          extra_labels: ["x64"],
          tags: { size: "large" },
        },
      ],
    }],
  };
}

function issuesOf(raw: unknown, env?: Record<string, string>): ConfigIssue[] {
  const result = parseCoreConfig(raw, env);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.issues;
}

function parsed(raw: unknown, env?: Record<string, string>): CoreConfig {
  const result = parseCoreConfig(raw, env);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return result.config;
}

Deno.test("a full valid config parses with every default filled in", () => {
  const config = parsed(full());
  assert.deepEqual(config.edge, {
    url: "https://gantry.example.workers.dev",
    core_id: "core-1",
    private_key: EDGE_KEY,
    lease_batch: 50,
    lease_wait_seconds: 25,
    lease_seconds: 120,
  });
  assert.deepEqual(config.database, {
    url: "file:gantry.db",
    buffer_path: "gantry-buffer.db",
    timeout_ms: 10_000,
    retry_interval_ms: 1_000,
    mirror_refresh_seconds: 60,
  });
  assert.deepEqual(config.aws, { region: "us-east-1", max_attempts: 5 });
  assert.equal(config.github.api_url, "https://api.github.com");
  assert.deepEqual(config.scheduler, {
    batch_window_ms: 200,
    boot_timeout_seconds: 600,
    max_runtime_minutes: 60,
    reap_interval_seconds: 30,
    idle_timeout_minutes: 10,
    stuck_launch_minutes: 15,
    spot_retries: 2,
    max_batch: 500,
    launch_retry_delays_ms: [30_000, 60_000, 120_000, 240_000, 300_000],
    launch_retry_jitter: 0.2,
    launch_sweep_interval_ms: 1_000,
  });
  assert.deepEqual(config.reconcile, {
    enabled: true,
    interval_seconds: 180,
    lookback_minutes: 60,
    min_age_seconds: 60,
    max_job_checks: 50,
    min_rate_remaining: 500,
  });
  assert.deepEqual(config.log, { level: "info", format: "json" });

  const [project] = config.projects;
  assert.equal(project.cap, 0);
  assert.equal(project.disabled, false);
  assert.deepEqual(project.repos[0], {
    full_name: "octocat/hello-world",
    tags: { repo: "hello" },
  });
  assert.deepEqual(project.pools[1], {
    name: "large",
    priority: 100,
    default: false,
    enabled: true,
    spawn: "fleet",
    spot: true,
    allocation_strategy: "price-capacity-optimized",
    ami: "ami-0123456789abcdef0",
    instance_types: ["m7i.large", "m6i.large"],
    subnets: ["subnet-1", "subnet-2"],
    security_groups: [],
    root_volume_gb: 30,
    root_volume_type: "gp3",
    min_idle: 0,
    stopped_min: 0,
    cap: 0,
    extra_labels: ["x64"],
    tags: { size: "large" },
  });
});

Deno.test("a minimal config has no projects and a numeric-string app_id becomes a number", () => {
  const raw = minimal();
  raw.github.app_id = "12345";
  const config = parsed(raw);
  assert.deepEqual(config.projects, []);
  assert.equal(config.github.app_id, 12345);
});

Deno.test("env overrides a nested key, a number and a boolean", () => {
  const raw = full();
  const config = parsed(raw, {
    GANTRY_AWS_REGION: "eu-west-1",
    GANTRY_SCHEDULER_BATCH_WINDOW_MS: "750",
    GANTRY_EDGE_LEASE_BATCH: " 10 ",
    GANTRY_GITHUB_APP_ID: "999",
    GANTRY_LOG_LEVEL: "debug",
    GANTRY_AWS_ENDPOINT: "",
    UNRELATED: "x",
  });
  assert.equal(config.aws.region, "eu-west-1");
  assert.equal(config.scheduler.batch_window_ms, 750);
  assert.equal(config.edge.lease_batch, 10);
  assert.equal(config.github.app_id, 999);
  assert.equal(config.log.level, "debug");
  assert.equal(config.aws.endpoint, undefined);
  assert.equal(raw.aws, undefined, "the raw config is not modified");
});

Deno.test("env can supply a whole required section and secrets", () => {
  const config = parsed({}, {
    GANTRY_EDGE_URL: "https://edge.example.com",
    GANTRY_EDGE_PRIVATE_KEY_FILE: "/secrets/edge.pem",
    GANTRY_DATABASE_URL: "libsql://gantry.turso.io",
    GANTRY_DATABASE_AUTH_TOKEN: "t0ken",
    GANTRY_GITHUB_APP_ID: "1",
    GANTRY_GITHUB_PRIVATE_KEY_FILE: "/secrets/app.pem",
  });
  assert.equal(config.edge.private_key_file, "/secrets/edge.pem");
  assert.equal(config.database.auth_token, "t0ken");
  assert.ok(parseCoreConfig(null, { GANTRY_EDGE_URL: "https://e.example" }).ok === false);
});

Deno.test("env names follow key paths, underscores kept within keys", () => {
  const byEnv = new Map(CONFIG_ENV_KEYS.map((key) => [key.env, key]));
  assert.deepEqual(byEnv.get("GANTRY_SCHEDULER_BATCH_WINDOW_MS")?.path, [
    "scheduler",
    "batch_window_ms",
  ]);
  assert.equal(byEnv.get("GANTRY_SCHEDULER_BATCH_WINDOW_MS")?.kind, "number");
  assert.equal(byEnv.get("GANTRY_GITHUB_APP_ID")?.kind, "number");
  assert.equal(byEnv.get("GANTRY_EDGE_PRIVATE_KEY_FILE")?.kind, "string");
  assert.equal(byEnv.get("GANTRY_LOG_FORMAT")?.kind, "string");
  assert.equal(byEnv.has("GANTRY_PROJECTS"), false, "lists are not settable from env");
});

Deno.test("applyEnvOverrides leaves values it cannot place alone", () => {
  assert.equal(applyEnvOverrides("not a config", { GANTRY_AWS_REGION: "x" }), "not a config");
  assert.deepEqual(applyEnvOverrides({ aws: "oops" }, { GANTRY_AWS_REGION: "x" }), {
    aws: "oops",
  });
  assert.deepEqual(applyEnvOverrides(undefined, {}), {});
  assert.deepEqual(applyEnvOverrides({ log: { level: "warn" } }, { GANTRY_LOG_FORMAT: "text" }), {
    log: { level: "warn", format: "text" },
  });
});

Deno.test("a bad env value is reported at its key and names the variable", () => {
  assert.deepEqual(issuesOf(minimal(), { GANTRY_AWS_MAX_ATTEMPTS: "lots" }), [
    {
      path: "aws.max_attempts",
      message: "expected number, received string (from GANTRY_AWS_MAX_ATTEMPTS)",
    },
  ]);
});

Deno.test("every problem is listed by path: missing edge.url, bad max_attempts, gantry: tag", () => {
  const raw = full();
  delete raw.edge.url;
  raw.aws = { max_attempts: "lots" };
  raw.projects[0].pools[1].tags["gantry:job"] = "1";
  const issues = issuesOf(raw);
  assert.deepEqual(issues.map((issue) => issue.path), [
    "edge.url",
    "aws.max_attempts",
    "projects.0.pools.1.tags.gantry:job",
  ]);
  assert.equal(issues[0].message, "required (expected string)");
});

Deno.test("secrets: exactly one of a key and its file", () => {
  const both = minimal();
  both.edge.private_key_file = "/k.pem";
  both.github = { app_id: 1 };
  assert.deepEqual(issuesOf(both), [
    { path: "edge.private_key_file", message: "set only one of private_key or private_key_file" },
    { path: "github", message: "set one of private_key or private_key_file" },
  ]);
});

Deno.test("cross-field checks still run when another field of the section fails", () => {
  const raw = minimal();
  delete raw.edge.url;
  raw.edge.private_key_file = "/k.pem";
  assert.deepEqual(issuesOf(raw).map((issue) => issue.path), [
    "edge.url",
    "edge.private_key_file",
  ]);
});

Deno.test("a secret that is not a PEM is rejected without echoing it", () => {
  const raw = minimal();
  raw.edge.private_key = "hunter2";
  const issues = issuesOf(raw);
  assert.deepEqual(issues.map((issue) => issue.path), ["edge.private_key"]);
  assert.doesNotMatch(JSON.stringify(issues), /hunter2/);
});

Deno.test("projects: one default pool, unique names, one project per repo", () => {
  const raw = full();
  raw.projects[0].pools[1].default = true;
  raw.projects[0].pools.push({ ...raw.projects[0].pools[0], name: "Small", default: false });
  raw.projects.push({ name: "my-app", repos: [{ full_name: "Octocat/Hello-World" }] });
  assert.deepEqual(issuesOf(raw).map((issue) => issue.path), [
    "projects.0.pools.1.default",
    "projects.0.pools.2.name",
    "projects.1.name",
    "projects.1.repos.0.full_name",
  ]);
});

Deno.test("names must make runner labels; other fields are checked by type and range", () => {
  const raw = full();
  raw.projects[0].name = "!!!";
  const pool = raw.projects[0].pools[0];
  Object.assign(pool, {
    name: "",
    ami: "img-1",
    instance_types: [],
    spawn: "lambda",
    extra_labels: ["--"],
    unknown_key: 1,
  });
  raw.projects[0].repos[0].full_name = "no-slash";
  raw.edge.lease_batch = 501;
  raw.database.url = "postgres://db";
  raw.log = { level: "verbose" };
  raw.aws = { endpoint: "ftp://emulator" };
  assert.deepEqual(issuesOf(raw).map((issue) => issue.path).sort(), [
    "aws.endpoint",
    "database.url",
    "edge.lease_batch",
    "log.level",
    "projects.0.name",
    "projects.0.pools.0.ami",
    "projects.0.pools.0.extra_labels.0",
    "projects.0.pools.0.instance_types",
    "projects.0.pools.0.name",
    "projects.0.pools.0.spawn",
    "projects.0.pools.0.unknown_key",
    "projects.0.repos.0.full_name",
  ]);
});

Deno.test("a config that is not an object is one issue at the root", () => {
  assert.deepEqual(issuesOf("edge: nope").map((issue) => issue.path), ["(root)"]);
});
