/**
 * The console's test stack: a fresh libSQL (migrated), the edge in workerd
 * with a bootstrap token, and helpers to bootstrap, sign in and seed jobs.
 */
import { type Client, createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import { migrate } from "../../core/db/migrate.ts";
import * as schema from "../../shared/db/schema.ts";
import type { JobState } from "../../shared/job_state.ts";
import { coreKeyPair, type Edge, type EdgeSecrets, startEdge } from "../support/edge.ts";
import { type LibsqlServer, startLibsqlServer } from "../support/libsql/server.ts";
import { seedTestOperators } from "../support/operator.ts";

export const BOOTSTRAP_TOKEN = "test-bootstrap-token-0123456789-abcdefghij";
export const SESSION_SECRET = "console-test-session-secret-0123456789abcdef";
export const ADMIN = { email: "admin@example.com", password: "correct horse battery staple" };

export type SeedDatabase = ReturnType<typeof drizzle<typeof schema>>;

/** A running console stack. */
export interface ConsoleStack {
  url: string;
  edge: Edge;
  libsql: LibsqlServer;
  client: Client;
  db: SeedDatabase;
  close(): Promise<void>;
}

/** Starts libSQL and the edge; `vars` override the edge's secrets and vars. */
export async function startConsoleStack(vars: Partial<EdgeSecrets> = {}): Promise<ConsoleStack> {
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  try {
    await migrate(client);
    await seedTestOperators(client);
    const keys = await coreKeyPair();
    const edge = await startEdge({
      GITHUB_WEBHOOK_SECRET: "console-test-webhook-secret",
      CORE_PUBLIC_KEYS: keys.jwks,
      SESSION_SECRET,
      LIBSQL_URL: libsql.url,
      BOOTSTRAP_TOKEN,
      ...vars,
    });
    clientsByUrl.set(edge.url, client);
    return {
      url: edge.url,
      edge,
      libsql,
      client,
      db: drizzle(client, { schema }),
      async close() {
        clientsByUrl.delete(edge.url);
        await edge.stop();
        client.close();
        await libsql.close();
      },
    };
  } catch (error) {
    client.close();
    await libsql.close();
    throw error;
  }
}

/** Each running stack's database, so {@link bootstrap} can step the test operators aside. */
const clientsByUrl = new Map<string, Client>();

/**
 * `POST /api/v1/auth/bootstrap` with `token` (the stack's by default).
 * Bootstrap works only on an empty users table, so the seeded test operators
 * (operatorToken's) leave it for the call and come back after.
 */
export async function bootstrap(
  url: string,
  body: Record<string, unknown>,
  token = BOOTSTRAP_TOKEN,
): Promise<Response> {
  const client = clientsByUrl.get(url);
  await client?.execute(
    `DELETE FROM users WHERE id IN ('test-operator-viewer', 'test-operator-admin')`,
  );
  try {
    return await fetch(`${url}/api/v1/auth/bootstrap`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } finally {
    if (client) await seedTestOperators(client);
  }
}

/** `POST /api/v1/auth/login`; `headers` add to or replace the defaults. */
export async function login(
  url: string,
  credentials: { email: string; password: string },
  headers: Record<string, string> = {},
): Promise<Response> {
  return await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(credentials),
  });
}

/** The session cookie's name (`__Host-`: Secure, this host only, Path=/). */
export const SESSION_COOKIE = "__Host-gantry_session";

/** The `__Host-gantry_session=…` pair from a response's Set-Cookie, ready for a Cookie header. */
export function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`no session cookie in ${response.headers.getSetCookie()}`);
  return cookie.split(";")[0];
}

/** A seeded job the tests look for. */
export interface SeededJob {
  id: string;
  githubJobId: number;
  state: JobState;
  repo: string;
  costUsd: number | null;
  instanceId: string | null;
  failureReason?: string;
}

/** What {@link seedJobs} wrote. */
export interface Seed {
  now: number;
  /** The named jobs, newest first. */
  jobs: {
    subCent: SeededJob;
    failed: SeededJob;
    running: SeededJob;
    queued: SeededJob;
    reaped: SeededJob;
  };
  /** Jobs in all, named and filler. */
  total: number;
}

const MINUTE = 60_000;

/**
 * One project with two pools and two repos, five named jobs (one per
 * interesting state, one costing under a cent) with full timelines, and
 * `fillers` older completed jobs so the list has more than one page.
 */
export async function seedJobs(
  db: SeedDatabase,
  options: { fillers?: number; /** The seed's clock (default the wall clock). */ now?: number } =
    {},
): Promise<Seed> {
  const now = options.now ?? Date.now();
  const fillers = options.fillers ?? 60;
  await db.insert(schema.projects).values({
    id: "p-my-app",
    name: "my-app",
    tags: { team: "platform" },
    createdAt: now,
    updatedAt: now,
  });
  await db.insert(schema.pools).values([
    pool("pool-small", "small", ["t3.small"], now),
    pool("pool-large", "large", ["m5.large", "m5.xlarge"], now),
  ]);
  await db.insert(schema.repos).values(
    ["octocat/hello-world", "octocat/spoon-knife"].map((fullName, i) => ({
      id: `r-${i}`,
      fullName,
      projectId: "p-my-app",
      createdAt: now,
      updatedAt: now,
    })),
  );

  const named = {
    subCent: {
      id: "7000000005",
      githubJobId: 7000000005,
      state: "completed",
      repo: "octocat/hello-world",
      costUsd: 0.00416,
      instanceId: "i-0aaa000000000005",
    },
    failed: {
      id: "7000000004",
      githubJobId: 7000000004,
      state: "failed",
      repo: "octocat/spoon-knife",
      costUsd: 0.0208,
      instanceId: "i-0aaa000000000004",
      failureReason: "InsufficientInstanceCapacity in every subnet after 3 attempts",
    },
    running: {
      id: "7000000003",
      githubJobId: 7000000003,
      state: "running",
      repo: "octocat/hello-world",
      costUsd: null,
      instanceId: "i-0aaa000000000003",
    },
    queued: {
      id: "7000000002",
      githubJobId: 7000000002,
      state: "queued",
      repo: "octocat/spoon-knife",
      costUsd: null,
      instanceId: null,
    },
    reaped: {
      id: "7000000001",
      githubJobId: 7000000001,
      state: "reaped",
      repo: "octocat/hello-world",
      costUsd: 1.2345,
      instanceId: "i-0aaa000000000001",
    },
  } satisfies Record<string, SeededJob>;

  const paths: Record<string, JobState[]> = {
    completed: ["queued", "claimed", "launching", "starting", "running", "completed"],
    failed: ["queued", "claimed", "launching", "failed"],
    running: ["queued", "claimed", "launching", "starting", "running"],
    queued: ["queued"],
    reaped: ["queued", "claimed", "launching", "starting", "running", "reaped"],
  };
  // Newest first: subCent was queued a minute ago, each next one a minute earlier.
  const namedJobs = Object.values(named);
  for (const [index, job] of namedJobs.entries()) {
    const queuedAt = now - (index + 1) * MINUTE;
    const path = paths[job.state];
    await insertJob(db, job, {
      queuedAt,
      path,
      pool: index % 2 === 0 ? "pool-small" : "pool-large",
    });
  }
  const fillerRows = Array.from({ length: fillers }, (_, i): SeededJob => ({
    id: String(6000000000 + i),
    githubJobId: 6000000000 + i,
    state: "completed",
    repo: i % 2 === 0 ? "octocat/hello-world" : "octocat/spoon-knife",
    costUsd: 0.05,
    instanceId: `i-0bbb${String(i).padStart(12, "0")}`,
  }));
  for (const [i, job] of fillerRows.entries()) {
    await insertJob(db, job, {
      queuedAt: now - 2 * 3600_000 - i * MINUTE,
      path: paths.completed,
      pool: "pool-small",
    });
  }
  return { now, jobs: named, total: namedJobs.length + fillers };
}

function pool(id: string, name: string, instanceTypes: string[], now: number) {
  return {
    id,
    projectId: "p-my-app",
    name,
    isDefault: name === "small",
    ami: "ami-0abcdef1234567890",
    instanceTypes,
    subnets: ["subnet-aaa111"],
    createdAt: now,
    updatedAt: now,
  };
}

async function insertJob(
  db: SeedDatabase,
  job: SeededJob,
  options: { queuedAt: number; path: JobState[]; pool: string },
): Promise<void> {
  const { queuedAt, path } = options;
  // Each step 10 s after the previous; running lasts 4 minutes.
  const at = (state: JobState) => {
    const index = path.indexOf(state);
    if (index < 0) return null;
    return queuedAt + index * 10_000 + (state === path.at(-1) && index > 4 ? 4 * MINUTE : 0);
  };
  const isLarge = options.pool === "pool-large";
  if (job.instanceId) {
    await db.insert(schema.instances).values({
      id: job.instanceId,
      poolId: options.pool,
      jobId: job.id,
      runnerName: `gantry-${job.id}-1`,
      instanceType: isLarge ? "m5.large" : "t3.small",
      availabilityZone: "us-east-1a",
      isSpot: isLarge,
      priceUsdPerHour: isLarge ? 0.096 : 0.0208,
      state: job.state === "running" ? "running" : "terminated",
      launchedAt: at("launching") ?? queuedAt,
    });
  }
  await db.insert(schema.jobs).values({
    id: job.id,
    githubJobId: job.githubJobId,
    runId: 900000 + job.githubJobId % 1000,
    runAttempt: 1,
    repoFullName: job.repo,
    workflowName: "CI",
    jobName: job.state === "failed" ? "build (arm64)" : "test",
    branch: "main",
    sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    sender: job.githubJobId % 2 === 0 ? "octocat" : "hubot",
    htmlUrl: `https://github.com/${job.repo}/actions/runs/${
      900000 + job.githubJobId % 1000
    }/job/${job.githubJobId}`,
    labels: ["self-hosted", "my-app"],
    state: job.state,
    conclusion: job.state === "completed" ? "success" : job.state === "failed" ? "failure" : null,
    projectId: "p-my-app",
    poolId: options.pool,
    instanceId: job.instanceId,
    launchAttempts: path.includes("launching") ? (job.state === "failed" ? 3 : 1) : 0,
    failureReason: job.failureReason ?? null,
    priceUsdPerHour: job.instanceId ? (isLarge ? 0.096 : 0.0208) : null,
    costUsd: job.costUsd,
    queuedAt,
    claimedAt: at("claimed"),
    launchedAt: at("launching"),
    startedAt: at("running"),
    completedAt: at("completed") ?? at("failed") ?? at("reaped"),
    updatedAt: queuedAt,
  });
  await db.insert(schema.jobTransitions).values(
    path.map((to, index) => ({
      jobId: job.id,
      fromState: index === 0 ? null : path[index - 1],
      toState: to,
      at: at(to)!,
      reason: to === "failed"
        ? job.failureReason ?? null
        : to === "reaped"
        ? "max runtime exceeded"
        : null,
    })),
  );
}
