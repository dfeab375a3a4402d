/**
 * The core config's limits, each at the limit, one under and one over, and
 * the literal message an operator reads for each: numeric ranges, the URL,
 * region, PEM, digest and version formats, the secret pairs, and the
 * cross-field checks on sections that are not objects.
 */
import assert from "node:assert/strict";
import { type ConfigIssue, parseCoreConfig } from "./config.ts";

const EDGE_KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
const SHA = "0123456789abcdef".repeat(4);

// deno-lint-ignore no-explicit-any
type Raw = Record<string, any>;

function minimal(): Raw {
  return {
    edge: { url: "https://gantry.example.workers.dev", private_key: EDGE_KEY },
    database: { url: "file:gantry.db" },
    github: { app_id: 12345, private_key_file: "/run/secrets/github-app.pem" },
  };
}

/** `minimal()` with `value` at the dotted `path`. */
function withValue(path: string, value: unknown): Raw {
  const raw = minimal();
  const keys = path.split(".");
  let node = raw;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys[keys.length - 1]] = value;
  return raw;
}

function issuesOf(raw: unknown, env?: Record<string, string>): ConfigIssue[] {
  const result = parseCoreConfig(raw, env);
  return result.ok ? [] : result.issues;
}

function valueAt(raw: unknown, path: string): unknown {
  const result = parseCoreConfig(raw);
  assert.ok(result.ok, `${path}: ${JSON.stringify(!result.ok && result.issues)}`);
  // deno-lint-ignore no-explicit-any
  return path.split(".").reduce((node: any, key) => node[key], result.config);
}

Deno.test("every numeric setting is accepted at its bounds and refused one past them", () => {
  // [path, lowest, highest (null: none)]
  const ranges: [string, number, number | null][] = [
    ["edge.lease_batch", 1, 500],
    ["edge.lease_wait_seconds", 0, 25],
    ["edge.lease_seconds", 1, 600],
    ["database.timeout_ms", 100, 120_000],
    ["database.retry_interval_ms", 10, 60_000],
    ["database.mirror_refresh_seconds", 1, 86_400],
    ["aws.max_attempts", 1, 20],
    ["scheduler.batch_window_ms", 0, 5000],
    ["scheduler.max_batch", 1, 1000],
    ["scheduler.launch_retry_jitter", 0, 1],
    ["scheduler.launch_sweep_interval_ms", 50, 60_000],
    ["scheduler.boot_timeout_seconds", 1, null],
    ["scheduler.max_runtime_minutes", 1, null],
    ["scheduler.reap_interval_seconds", 1, null],
    ["scheduler.idle_timeout_minutes", 1, null],
    ["scheduler.stuck_launch_minutes", 1, null],
    ["scheduler.spot_retries", 0, 10],
    ["reconcile.interval_seconds", 1, null],
    ["reconcile.lookback_minutes", 1, null],
    ["reconcile.min_age_seconds", 0, null],
    ["reconcile.max_job_checks", 1, null],
    ["reconcile.min_rate_remaining", 0, null],
  ];
  for (const [path, lowest, highest] of ranges) {
    assert.equal(valueAt(withValue(path, lowest), path), lowest, path);
    // `positive()` reads ">0", `min(n)` reads ">=n".
    const under = lowest === 1 && highest === null ? ">0" : `>=${lowest}`;
    assert.deepEqual(issuesOf(withValue(path, lowest - 1)), [
      { path, message: `expected number to be ${under}` },
    ], `${path} under`);
    if (highest === null) continue;
    assert.equal(valueAt(withValue(path, highest), path), highest, path);
    assert.deepEqual(issuesOf(withValue(path, highest + 1)), [
      { path, message: `expected number to be <=${highest}` },
    ], `${path} over`);
  }
  assert.equal(
    valueAt(withValue("scheduler.launch_retry_jitter", 0.5), "scheduler.launch_retry_jitter"),
    0.5,
  );
});

Deno.test("GitHub writes per second: above 0, at most 1000", () => {
  const path = "github.writes_per_second";
  assert.equal(valueAt(minimal(), path), 3);
  assert.equal(valueAt(withValue(path, 0.5), path), 0.5);
  assert.equal(valueAt(withValue(path, 1000), path), 1000);
  assert.deepEqual(issuesOf(withValue(path, 0)), [{ path, message: "expected number to be >0" }]);
  assert.deepEqual(issuesOf(withValue(path, 1000.5)), [{
    path,
    message: "expected number to be <=1000",
  }]);
});

Deno.test("launch retry delays: at least one, none negative", () => {
  const path = "scheduler.launch_retry_delays_ms";
  assert.deepEqual(valueAt(withValue(path, [0]), path), [0]);
  assert.deepEqual(issuesOf(withValue(path, [])), [{
    path,
    message: "expected array to have >=1 items",
  }]);
  assert.deepEqual(issuesOf(withValue(path, [5, -1])), [{
    path: `${path}.1`,
    message: "expected number to be >=0",
  }]);
});

Deno.test("caps: 0 or more on projects and repos", () => {
  const project = (cap: number, repoCap?: number) =>
    withValue("projects", [{ name: "a", cap, repos: [{ full_name: "o/r", cap: repoCap }] }]);
  assert.equal(valueAt(project(0, 0), "projects.0.repos.0.cap"), 0);
  assert.deepEqual(issuesOf(project(-1, -1)), [
    { path: "projects.0.cap", message: "expected number to be >=0" },
    { path: "projects.0.repos.0.cap", message: "expected number to be >=0" },
  ]);
});

Deno.test("each empty name, path and secret is refused at its key", () => {
  const paths = [
    "edge.core_id",
    "database.buffer_path",
    "log.file",
  ];
  for (const path of paths) {
    assert.deepEqual(issuesOf(withValue(path, "")), [
      { path, message: "expected string to have >=1 characters" },
    ], path);
  }
  // A secret pair: the empty one is too short, and it still counts as set.
  assert.deepEqual(issuesOf(withValue("edge.private_key_file", "")), [
    { path: "edge.private_key_file", message: "expected string to have >=1 characters" },
    { path: "edge.private_key_file", message: "set only one of private_key or private_key_file" },
  ]);
  const secrets: [Raw, ConfigIssue[]][] = [
    [withValue("github.private_key_file", ""), [{
      path: "github.private_key_file",
      message: "expected string to have >=1 characters",
    }]],
    [withValue("aws.access_key_id", ""), [
      { path: "aws.access_key_id", message: "expected string to have >=1 characters" },
      { path: "aws", message: "set one of secret_access_key or secret_access_key_file" },
    ]],
    [withValue("database.auth_token", ""), [{
      path: "database.auth_token",
      message: "expected string to have >=1 characters",
    }]],
    [withValue("database.auth_token_file", ""), [{
      path: "database.auth_token_file",
      message: "expected string to have >=1 characters",
    }]],
    [withValue("aws", { access_key_id: "AKIA", secret_access_key: "" }), [{
      path: "aws.secret_access_key",
      message: "expected string to have >=1 characters",
    }]],
    [withValue("aws", { access_key_id: "AKIA", secret_access_key_file: "" }), [{
      path: "aws.secret_access_key_file",
      message: "expected string to have >=1 characters",
    }]],
  ];
  for (const [raw, expected] of secrets) {
    assert.deepEqual(issuesOf(raw), expected, expected[0].path);
  }
});

Deno.test("URLs: http or https only, with the message operators read", () => {
  const url = { path: "edge.url", message: "expected an http(s) URL" };
  const cases: [unknown, ConfigIssue[]][] = [
    ["http://localhost:8787", []],
    ["https://gantry.example", []],
    ["ftp://gantry.example", [url]],
    ["xhttp://gantry.example", [url]],
    ["httpsx://gantry.example", [url]],
    ["gantry.example", [url]],
    [8787, [{ path: "edge.url", message: "expected string, received number" }]],
  ];
  for (const [value, expected] of cases) {
    assert.deepEqual(issuesOf(withValue("edge.url", value)), expected, String(value));
  }
  assert.deepEqual(issuesOf(withValue("github.api_url", "ftp://x")), [
    { path: "github.api_url", message: "expected an http(s) URL" },
  ]);
  assert.deepEqual(issuesOf(withValue("aws.endpoint", "ftp://x")), [
    { path: "aws.endpoint", message: "expected an http(s) URL" },
  ]);
});

Deno.test("the database URL is file:, http(s):// or libsql://", () => {
  const message = 'expected "file:...", "http(s)://..." or "libsql://..."';
  const cases: [string, boolean][] = [
    ["file:gantry.db", true],
    ["http://127.0.0.1:8080", true],
    ["https://db.example", true],
    ["libsql://gantry.turso.io", true],
    ["postgres://db", false],
    [" file:gantry.db", false],
    ["xlibsql://db", false],
    ["libsql:db", false],
    ["https:db", false],
  ];
  for (const [url, isValid] of cases) {
    assert.deepEqual(
      issuesOf(withValue("database.url", url)),
      isValid ? [] : [{ path: "database.url", message }],
      url,
    );
  }
});

Deno.test("the AWS region reads like us-east-1", () => {
  const message = 'expected a region like "us-east-1"';
  const cases: [string, boolean][] = [
    ["us-east-1", true],
    ["us-gov-west-1", true],
    ["ap-southeast-12", true],
    ["US-east-1", false],
    ["u-east-1", false],
    ["use-east-1", false],
    ["us-east", false],
    ["us-east-1a", false],
    ["us-1", false],
    ["us--1", false],
    ["xus-east-1", false],
  ];
  for (const [region, isValid] of cases) {
    assert.deepEqual(
      issuesOf(withValue("aws.region", region)),
      isValid ? [] : [{ path: "aws.region", message }],
      region,
    );
  }
});

Deno.test("private keys: a PKCS8 PEM for the edge, an RSA or PKCS8 PEM for the GitHub App", () => {
  assert.deepEqual(issuesOf(withValue("edge.private_key", "-----BEGIN RSA PRIVATE KEY-----")), [{
    path: "edge.private_key",
    message: 'expected a PKCS8 PEM ("-----BEGIN PRIVATE KEY-----") of an Ed25519 key',
  }]);
  const github = (private_key: string) => withValue("github", { app_id: 1, private_key });
  assert.deepEqual(issuesOf(github("-----BEGIN RSA PRIVATE KEY-----\nMII\n")), []);
  assert.deepEqual(issuesOf(github("-----BEGIN PRIVATE KEY-----\nMII\n")), []);
  assert.deepEqual(issuesOf(github("-----BEGIN OPENSSH PRIVATE KEY-----\nb3B\n")), [{
    path: "github.private_key",
    message: 'expected the GitHub App\'s PEM ("-----BEGIN RSA PRIVATE KEY-----")',
  }]);
});

Deno.test("the GitHub App id: a positive whole number, digits in a string accepted", () => {
  const cases: [unknown, number | ConfigIssue[]][] = [
    ["12345", 12345],
    [" 7 ", 7],
    [1, 1],
    [0, [{ path: "github.app_id", message: "expected number to be >0" }]],
    ["0", [{ path: "github.app_id", message: "expected number to be >0" }]],
    ["-1", [{ path: "github.app_id", message: "expected number, received string" }]],
    ["7a", [{ path: "github.app_id", message: "expected number, received string" }]],
    ["a7", [{ path: "github.app_id", message: "expected number, received string" }]],
    ["1.5", [{ path: "github.app_id", message: "expected number, received string" }]],
  ];
  for (const [appId, expected] of cases) {
    const raw = withValue("github.app_id", appId);
    assert.deepEqual(
      typeof expected === "number" ? valueAt(raw, "github.app_id") : issuesOf(raw),
      expected,
      String(appId),
    );
  }
});

Deno.test("a runner release: a version, two SHA-256 digests, GitHub's download base by default", () => {
  const release = { version: "2.336.0", sha256_x64: SHA, sha256_arm64: SHA };
  assert.deepEqual(valueAt(withValue("runner_release", release), "runner_release"), {
    ...release,
    archive_base_url: "https://github.com/actions/runner/releases/download",
  });
  const version = {
    path: "runner_release.version",
    message: "expected a runner version such as 2.336.0",
  };
  const cases: [Raw, ConfigIssue[]][] = [
    [{ version: "12.345.67" }, []],
    [{ version: "2.336" }, [version]],
    [{ version: "v2.336.0" }, [version]],
    [{ version: "2.336.0-rc1" }, [version]],
    [{ version: "2.336.x" }, [version]],
    [{ sha256_x64: SHA.slice(1) }, [{
      path: "runner_release.sha256_x64",
      message: "expected a lowercase hex SHA-256",
    }]],
    [{ sha256_arm64: `${SHA}0` }, [{
      path: "runner_release.sha256_arm64",
      message: "expected a lowercase hex SHA-256",
    }]],
    [{ sha256_arm64: SHA.toUpperCase() }, [{
      path: "runner_release.sha256_arm64",
      message: "expected a lowercase hex SHA-256",
    }]],
    [{ sha256_x64: `x${SHA.slice(1)}` }, [{
      path: "runner_release.sha256_x64",
      message: "expected a lowercase hex SHA-256",
    }]],
    [{ archive_base_url: "ftp://mirror" }, [{
      path: "runner_release.archive_base_url",
      message: "expected an http(s) URL",
    }]],
  ];
  for (const [change, expected] of cases) {
    assert.deepEqual(
      issuesOf(withValue("runner_release", { ...release, ...change })),
      expected,
      JSON.stringify(change),
    );
  }
});

Deno.test("log levels and formats", () => {
  for (const level of ["debug", "info", "warn", "error"]) {
    assert.equal(valueAt(withValue("log.level", level), "log.level"), level);
  }
  for (const format of ["json", "text"]) {
    assert.equal(valueAt(withValue("log.format", format), "log.format"), format);
  }
  assert.deepEqual(issuesOf(withValue("log", { level: "trace", format: "xml" })), [
    { path: "log.level", message: 'expected one of "debug"|"info"|"warn"|"error"' },
    { path: "log.format", message: 'expected one of "json"|"text"' },
  ]);
  assert.equal(
    valueAt(withValue("log.file", "/var/log/gantry.log"), "log.file"),
    "/var/log/gantry.log",
  );
});

Deno.test("secret pairs: an AWS key with exactly one secret, a database token at most once", () => {
  const cases: [Raw, ConfigIssue[]][] = [
    [withValue("aws", { access_key_id: "AKIA", secret_access_key: "s" }), []],
    [withValue("aws", { access_key_id: "AKIA", secret_access_key_file: "/s" }), []],
    [withValue("aws", { access_key_id: "AKIA" }), [{
      path: "aws",
      message: "set one of secret_access_key or secret_access_key_file",
    }]],
    [
      withValue("aws", {
        access_key_id: "AKIA",
        secret_access_key: "s",
        secret_access_key_file: "/s",
      }),
      [{
        path: "aws.secret_access_key_file",
        message: "set only one of secret_access_key or secret_access_key_file",
      }],
    ],
    [withValue("aws", { secret_access_key: "s" }), [{
      path: "aws.access_key_id",
      message: "required with a secret",
    }]],
    [withValue("aws", { secret_access_key_file: "/s" }), [{
      path: "aws.access_key_id",
      message: "required with a secret",
    }]],
    [withValue("database", { url: "file:x", auth_token: "t" }), []],
    [withValue("database", { url: "file:x", auth_token_file: "/t" }), []],
    [withValue("database", { url: "file:x", auth_token: "t", auth_token_file: "/t" }), [{
      path: "database.auth_token_file",
      message: "set only one of auth_token or auth_token_file",
    }]],
    [withValue("edge", { url: "https://e.example" }), [{
      path: "edge",
      message: "set one of private_key or private_key_file",
    }]],
  ];
  for (const [raw, expected] of cases) {
    assert.deepEqual(issuesOf(raw), expected, JSON.stringify(expected));
  }
});

Deno.test("a section that is not an object is one issue, with no cross-field check on it", () => {
  for (const value of ["x", null, [], 5]) {
    const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    for (const section of ["edge", "database", "aws", "github"]) {
      assert.deepEqual(issuesOf(withValue(section, value)), [
        { path: section, message: `expected object, received ${type}` },
      ], `${section}: ${JSON.stringify(value)}`);
    }
    assert.deepEqual(issuesOf(withValue("projects", [value])), [
      { path: "projects.0", message: `expected object, received ${type}` },
    ], `project: ${JSON.stringify(value)}`);
  }
  assert.deepEqual(issuesOf(withValue("projects", "all")), [
    { path: "projects", message: "expected array, received string" },
  ]);
  assert.deepEqual(issuesOf(withValue("projects", [{ name: "a", pools: "all", repos: "all" }])), [
    { path: "projects.0.repos", message: "expected array, received string" },
    { path: "projects.0.pools", message: "expected array, received string" },
  ]);
});

Deno.test("pools and repos that fail their own checks are not compared with the others", () => {
  const pool = { ami: "ami-1", instance_types: ["t3.small"], subnets: ["subnet-1"] };
  const project = (pools: unknown[], repos: unknown[] = []) =>
    withValue("projects", [{ name: "a", pools, repos }]);
  // Names that sanitize to nothing fail on their own, once each.
  assert.deepEqual(issuesOf(project([{ ...pool, name: "!!!" }, { ...pool, name: "--" }])), [
    {
      path: "projects.0.pools.0.name",
      message: "must contain a letter or digit (it becomes a runner label)",
    },
    {
      path: "projects.0.pools.1.name",
      message: "must contain a letter or digit (it becomes a runner label)",
    },
  ]);
  assert.deepEqual(
    issuesOf(
      project(["x", { ...pool, name: 5, default: true }, { ...pool, name: "a", default: true }]),
    ),
    [
      { path: "projects.0.pools.0", message: "expected object, received string" },
      { path: "projects.0.pools.1.name", message: "expected string, received number" },
    ],
  );
  assert.deepEqual(
    issuesOf(project([
      { ...pool, name: "a", default: true },
      { ...pool, name: "b" },
      { ...pool, name: "c", default: "yes" },
      { ...pool, name: "d", default: true },
      { ...pool, name: "e", default: true },
    ])),
    [
      { path: "projects.0.pools.2.default", message: "expected boolean, received string" },
      {
        path: "projects.0.pools.3.default",
        message: 'only one default pool per project; "a" is already the default',
      },
      {
        path: "projects.0.pools.4.default",
        message: 'only one default pool per project; "a" is already the default',
      },
    ],
  );
  assert.deepEqual(
    issuesOf(
      project([{ ...pool, name: "Big" }, { ...pool, name: "x" }, { ...pool, name: "big" }, {
        ...pool,
        name: "BIG",
      }]),
    ),
    [
      { path: "projects.0.pools.2.name", message: 'same runner label "big" as pools.0.name' },
      { path: "projects.0.pools.3.name", message: 'same runner label "big" as pools.0.name' },
    ],
  );
  assert.deepEqual(issuesOf(project([], ["x", { full_name: 5 }])), [
    { path: "projects.0.repos.0", message: "expected object, received string" },
    { path: "projects.0.repos.1.full_name", message: "expected string, received number" },
  ]);
});

Deno.test("projects: unique runner labels and one project per repository, named in the message", () => {
  const raw = withValue("projects", [
    { name: "MyApp", repos: [{ full_name: "o/one" }] },
    { name: "!!!" },
    { name: "--" },
    { name: 5 },
    { name: "other", repos: [{ full_name: "o/two" }, { full_name: "O/One" }] },
    { name: "my-app", repos: [{ full_name: "o/one" }] },
    { name: "my app" },
  ]);
  const letter = "must contain a letter or digit (it becomes a runner label)";
  const elsewhere = "a repository belongs to one project; already listed in projects.0";
  // Two names that sanitize to nothing fail once each, not as a clash with each other.
  assert.deepEqual(issuesOf(raw), [
    { path: "projects.1.name", message: letter },
    { path: "projects.2.name", message: letter },
    { path: "projects.3.name", message: "expected string, received number" },
    { path: "projects.4.repos.1.full_name", message: elsewhere },
    { path: "projects.5.name", message: 'same runner label "my-app" as projects.0.name' },
    { path: "projects.5.repos.0.full_name", message: elsewhere },
    { path: "projects.6.name", message: 'same runner label "my-app" as projects.0.name' },
  ]);
});

Deno.test("a project without repos or pools gets empty lists", () => {
  assert.deepEqual(valueAt(withValue("projects", [{ name: "a" }]), "projects"), [
    { name: "a", cap: 0, tags: {}, disabled: false, repos: [], pools: [] },
  ]);
});

Deno.test("a bad value names its variable only when the variable set it", () => {
  const raw = withValue("aws.max_attempts", "lots");
  const plain = [{ path: "aws.max_attempts", message: "expected number, received string" }];
  assert.deepEqual(issuesOf(raw), plain);
  assert.deepEqual(issuesOf(raw, {}), plain);
  assert.deepEqual(issuesOf(raw, { GANTRY_AWS_MAX_ATTEMPTS: "" }), plain);
  assert.deepEqual(issuesOf(raw, { GANTRY_AWS_REGION: "eu-west-1" }), plain);
  assert.deepEqual(issuesOf(minimal(), { GANTRY_EDGE_LEASE_BATCH: "0" }), [
    {
      path: "edge.lease_batch",
      message: "expected number to be >=1 (from GANTRY_EDGE_LEASE_BATCH)",
    },
  ]);
});
