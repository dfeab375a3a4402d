/**
 * Console query latency on a large history: loads 1,000,000 synthetic jobs
 * (100,000 with --quick) spread over 90 days into a libSQL database file
 * with the `libsql` binding directly (batched inserts in transactions; the
 * roll-up triggers run as they would for the core's writes), serves the
 * file with the libSQL test server, and times the console API through the
 * edge in workerd:
 *
 * - `GET /api/v1/stats` for every window (1/7/30/90 days) × grouping
 *   (project, pool, repo, label);
 * - `GET /api/v1/jobs`: the newest page, filtered by status, project, pool
 *   and repo, and a page further on by cursor.
 *
 * Latency is the client's: HTTP to workerd, Hrana to libSQL, the queries.
 */
import Database from "libsql";
import { createClient } from "@libsql/client/web";
import { MIGRATIONS } from "../../shared/db/migrations.ts";
import { JobsListResponse } from "../../shared/schema/api.ts";
import { StatsResponse } from "../../shared/schema/stats.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";
import { type BenchOptions, type Figure, percentile, round } from "./figure.ts";

const DAY_MS = 86_400_000;
const SESSION_SECRET = "bench-session-secret-0123456789abcdef";
const BATCH = 5_000;
const PROJECTS = 5;
const POOLS_PER_PROJECT = 3;
const REPOS = 60;
const SENDERS = 200;
const LABELS = ["linux", "arm64", "x64", "gpu", "large", "small", "docker", "nix"];

/** A small deterministic PRNG (mulberry32), so every run loads the same jobs. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates the schema and loads `count` jobs; returns the load time in seconds. */
export function load(path: string, count: number, now: number): number {
  const startedAt = performance.now();
  const db = new Database(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF");
  db.exec(
    "CREATE TABLE IF NOT EXISTS gantry_migrations (tag TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  for (const migration of MIGRATIONS) {
    for (const statement of migration.statements) db.exec(statement);
    db.prepare("INSERT INTO gantry_migrations (tag, applied_at) VALUES (?, ?)")
      .run(migration.tag, now);
  }
  const insertProject = db.prepare(
    "INSERT INTO projects (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
  );
  const insertPool = db.prepare(
    `INSERT INTO pools (id, project_id, name, ami, instance_types, subnets, created_at, updated_at)
     VALUES (?, ?, ?, 'ami-0abc', '["m5.large"]', '["subnet-1"]', ?, ?)`,
  );
  const insertRepo = db.prepare(
    "INSERT INTO repos (id, full_name, project_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
  );
  db.exec("BEGIN");
  for (let p = 0; p < PROJECTS; p++) {
    insertProject.run(`p-${p}`, `project-${p}`, now, now);
    for (let q = 0; q < POOLS_PER_PROJECT; q++) {
      insertPool.run(`pool-${p}-${q}`, `p-${p}`, `pool-${q}`, now, now);
    }
  }
  for (let r = 0; r < REPOS; r++) {
    insertRepo.run(`r-${r}`, `org/repo-${r}`, `p-${r % PROJECTS}`, now, now);
  }
  db.exec("COMMIT");

  const insertJob = db.prepare(
    `INSERT INTO jobs (id, github_job_id, run_id, repo_full_name, job_name, sha, sender, labels,
       state, project_id, pool_id, price_usd_per_hour, cost_usd, queued_at, launched_at,
       started_at, completed_at, updated_at)
     VALUES (?, ?, ?, ?, 'build', 'abc', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const next = random(42);
  const span = 90 * DAY_MS;
  for (let first = 0; first < count; first += BATCH) {
    db.exec("BEGIN");
    for (let i = first; i < Math.min(count, first + BATCH); i++) {
      // Oldest first, as the core writes them, spread evenly over 90 days.
      const queuedAt = now - span + Math.floor((i / count) * span);
      const repo = Math.floor(next() * REPOS);
      const project = repo % PROJECTS;
      const pool = Math.floor(next() * POOLS_PER_PROJECT);
      const roll = next();
      const isRecent = now - queuedAt < 3600_000;
      const state = isRecent && roll < 0.5
        ? (roll < 0.25 ? "queued" : "running")
        : roll < 0.88
        ? "completed"
        : roll < 0.96
        ? "failed"
        : "reaped";
      const startedAt = state === "queued" || roll > 0.94 && state === "failed"
        ? null
        : queuedAt + 5_000 + Math.floor(next() * 240_000);
      const completedAt = state === "queued" || state === "running"
        ? null
        : (startedAt ?? queuedAt) + 60_000 + Math.floor(next() * 1_800_000);
      const price = next() < 0.05 ? null : 0.0208 + pool * 0.04;
      const cost = price !== null && startedAt !== null && completedAt !== null
        ? (price * (completedAt - startedAt)) / 3_600_000
        : null;
      const labels = [LABELS[pool % LABELS.length], LABELS[(repo + 3) % LABELS.length]];
      insertJob.run(
        String(10_000_000 + i),
        10_000_000 + i,
        1_000_000 + Math.floor(i / 3),
        `org/repo-${repo}`,
        `user-${Math.floor(next() * next() * SENDERS)}`,
        JSON.stringify(["self-hosted", ...new Set(labels)]),
        state,
        `p-${project}`,
        `pool-${project}-${pool}`,
        price,
        cost,
        queuedAt,
        startedAt === null ? null : startedAt - 2_000,
        startedAt,
        completedAt,
        completedAt ?? queuedAt,
      );
    }
    db.exec("COMMIT");
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.exec("ANALYZE");
  db.close();
  return (performance.now() - startedAt) / 1000;
}

async function time(url: string, bearer: string, parse: (body: unknown) => void): Promise<number> {
  const startedAt = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  const body = await response.json();
  const elapsed = performance.now() - startedAt;
  if (response.status !== 200) {
    throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  }
  parse(body);
  return elapsed;
}

/** Loads the jobs, serves them, and times the stats and jobs-list API. */
export async function run(options: BenchOptions): Promise<Figure[]> {
  const count = options.isQuick ? 100_000 : 1_000_000;
  const rounds = options.isQuick ? 3 : 8;
  const dir = await Deno.makeTempDir({ prefix: "gantry-console-bench-" });
  const path = `${dir}/gantry.db`;
  const now = Date.now();
  const loadS = load(path, count, now);
  console.error(`bench: console: loaded ${count} jobs in ${loadS.toFixed(1)} s`);
  const libsql = await startLibsqlServer({ path });
  const seeding = createClient({ url: libsql.url });
  await seedTestOperators(seeding);
  seeding.close();
  const stateDir = await Deno.makeTempDir({ prefix: "gantry-console-bench-edge-" });
  try {
    const keys = await coreKeyPair("core-bench");
    const edge = await startEdge({
      GITHUB_WEBHOOK_SECRET: "bench-webhook-secret",
      CORE_PUBLIC_KEYS: keys.jwks,
      SESSION_SECRET,
      LIBSQL_URL: libsql.url,
    }, { stateDir });
    try {
      const bearer = await operatorToken(SESSION_SECRET, "viewer");
      const statsUrls = ["1d", "7d", "30d", "90d"].flatMap((window) =>
        ["project", "pool", "repo", "label"].map((groupBy) =>
          `${edge.url}/api/v1/stats?window=${window}&groupBy=${groupBy}`
        )
      );
      const first = await (await fetch(`${edge.url}/api/v1/jobs?limit=50`, {
        headers: { authorization: `Bearer ${bearer}` },
      })).json() as JobsListResponse;
      const jobsUrls = [
        "",
        "?status=failed",
        "?status=running",
        "?project=project-2",
        "?pool=pool-1",
        "?repo=org%2Frepo-7",
        `?cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
        "?status=completed&repo=org%2Frepo-3",
      ].map((query) => `${edge.url}/api/v1/jobs${query}${query ? "&" : "?"}limit=50`);
      let jobsSeen = 0;
      const checkStats = (body: unknown) => {
        const stats = StatsResponse.parse(body);
        if (stats.totals.jobs === 0) throw new Error("stats saw no jobs");
      };
      const checkJobs = (body: unknown) => {
        jobsSeen += JobsListResponse.parse(body).jobs.length;
      };
      // Warm-up: connections, workerd's isolate, SQLite's page cache.
      for (const url of statsUrls) await time(url, bearer, checkStats);
      for (const url of jobsUrls) await time(url, bearer, checkJobs);
      const statsSamples: number[] = [];
      const jobsSamples: number[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const url of statsUrls) statsSamples.push(await time(url, bearer, checkStats));
        for (const url of jobsUrls) jobsSamples.push(await time(url, bearer, checkJobs));
      }
      if (jobsSeen === 0) throw new Error("the jobs list came back empty");
      const ninetyDays = await time(
        `${edge.url}/api/v1/stats?window=90d&groupBy=label`,
        bearer,
        checkStats,
      );
      return [
        {
          key: "console.jobs_loaded",
          label: "console: synthetic jobs loaded",
          value: count,
          unit: "jobs",
        },
        {
          key: "console.load_s",
          label: "console: bulk load with roll-up triggers",
          value: round(loadS, 1),
          unit: "s",
        },
        {
          key: "console.stats_p50_ms",
          label: "console: GET /api/v1/stats p50",
          value: round(percentile(statsSamples, 50)),
          unit: "ms",
        },
        {
          key: "console.stats_p99_ms",
          label: "console: GET /api/v1/stats p99",
          value: round(percentile(statsSamples, 99)),
          unit: "ms",
        },
        {
          key: "console.stats_90d_label_ms",
          label: "console: stats, 90 d by label (one run)",
          value: round(ninetyDays),
          unit: "ms",
        },
        {
          key: "console.jobs_p50_ms",
          label: "console: GET /api/v1/jobs p50",
          value: round(percentile(jobsSamples, 50)),
          unit: "ms",
        },
        {
          key: "console.jobs_p99_ms",
          label: "console: GET /api/v1/jobs p99",
          value: round(percentile(jobsSamples, 99)),
          unit: "ms",
        },
      ];
    } finally {
      await edge.stop();
    }
  } finally {
    await libsql.close();
    await Deno.remove(stateDir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
}
