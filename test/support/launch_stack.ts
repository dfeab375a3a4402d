/**
 * The launcher wired to real parts, in this process: a libSQL server over
 * HTTP, the EC2 emulator through the unmodified SDK (its standard retry
 * strategy, so throttling is retried by the SDK), the GitHub fake through
 * the real GitHub App client, and the edge in workerd as the runner vault.
 */
import { ec2ProviderFor } from "./ec2_provider.ts";
import { openDatabase } from "../../core/db/database.ts";
import { migrate } from "../../core/db/migrate.ts";
import { seedProjects } from "../../core/db/seed.ts";
import { LaunchQueries } from "../../core/db/launch_queries.ts";
import { Store } from "../../core/db/store.ts";
import { EdgeClient } from "../../core/edge_client/edge_client.ts";
import { GitHubApp } from "../../core/github/github_app.ts";
import { createLogger } from "../../core/log.ts";
import { JobEvents } from "../../core/scheduler/job_events.ts";
import { Launcher } from "../../core/scheduler/launcher.ts";
import { parseCoreConfig } from "../../shared/schema/config.ts";
import type { WorkflowJobMessage } from "../../shared/schema/edge_core.ts";
import { startEc2Emulator } from "./ec2/emulator.ts";
import { coreKeyPair, startEdge } from "./edge.ts";
import { startGithubFake } from "./github/fake.ts";
import { startLibsqlServer } from "./libsql/server.ts";

export const REPO = "acme/web";

/** Projects as in the config file (`projects:`), for one repo bound to them. */
export function projectsOf(projects: unknown[]) {
  const parsed = parseCoreConfig({
    edge: { url: "http://127.0.0.1:1", private_key: "-----BEGIN PRIVATE KEY-----" },
    database: { url: "file:unused.db" },
    github: { app_id: 1, private_key: "-----BEGIN PRIVATE KEY-----" },
    projects,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.projects;
}

export async function startLaunchStack(options: { projects: unknown[]; maxAttempts?: number }) {
  const libsql = await startLibsqlServer({});
  const ec2Emulator = await startEc2Emulator();
  const github = await startGithubFake({ installations: [{ id: 1001, account: "acme" }] });
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: libsql.url,
  });
  const { client, db } = await openDatabase(libsql.url);
  await migrate(client);
  await seedProjects(db, projectsOf(options.projects), Date.now());
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json" }, (line) => lines.push(line));
  const aws = ec2ProviderFor(ec2Emulator, log, { maxAttempts: options.maxAttempts ?? 3 });
  const provider = aws.provider;
  const app = new GitHubApp({
    appId: github.appId,
    privateKey: github.privateKeyPem,
    apiUrl: github.url,
    log,
    writesPerSecond: 200,
  });
  const vault = new EdgeClient({
    url: edge.url,
    coreId: "core-test",
    privateKeyPem: keys.privateKeyPem,
  });
  const store = new Store(client, db);
  const launcher = new Launcher({
    store,
    launches: new LaunchQueries(store),
    provider,
    github: app,
    vault,
    log,
    now: Date.now,
    runners: { edgeUrl: edge.url, bootTimeoutSeconds: 600 },
    coreId: "core-test",
    batchWindowMs: 100,
    // Real figures are 30/60/120/240/300 s; tests wait tenths of a second.
    retry: { delaysMs: [150, 300], jitter: 0 },
    sweepIntervalMs: 100,
  });
  const events = new JobEvents({
    store,
    provider,
    github: app,
    log,
    now: Date.now,
    pokeLauncher: () => launcher.poke(),
  });
  const stop = new AbortController();
  const running = launcher.run(stop.signal);
  let nextJob = 5_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  return {
    libsql,
    ec2Emulator,
    github,
    edge,
    store,
    db,
    client,
    events,
    launcher,
    vault,
    provider,
    log,
    lines,
    /** The core's key pair the edge trusts (to lease what instances reported). */
    coreKeys: keys,
    /** Sends a `queued` event for a new job; returns its id. */
    async queue(labels: string[]): Promise<string> {
      const id = ++nextJob;
      await events.handle(message("queued", id, labels));
      return String(id);
    },
    /** Sends `completed` for a job (its runner finished). */
    async complete(id: string, labels: string[]): Promise<void> {
      const job = await store.job(id);
      await events.handle(message("completed", Number(id), labels, job?.runnerName ?? null));
    },
    async states(ids: readonly string[]): Promise<Record<string, string>> {
      const result: Record<string, string> = {};
      for (const id of ids) result[id] = (await store.job(id))?.state ?? "missing";
      return result;
    },
    launchCalls() {
      return ec2Emulator.calls.filter((c) =>
        (c.action === "CreateFleet" || c.action === "RunInstances") && !c.error
      );
    },
    async close() {
      stop.abort();
      await running;
      client.close();
      aws.destroy();
      await edge.stop();
      await Promise.all([ec2Emulator.close(), github.close(), libsql.close()]);
    },
  };
}

function message(
  action: WorkflowJobMessage["action"],
  id: number,
  labels: string[],
  runnerName: string | null = null,
): WorkflowJobMessage {
  const now = new Date().toISOString();
  return {
    type: "workflow_job",
    action,
    deliveryId: crypto.randomUUID(),
    receivedAt: Date.now(),
    job: {
      githubJobId: id,
      runId: 77,
      runAttempt: 1,
      name: `job ${id}`,
      labels,
      repoFullName: REPO,
      installationId: 1001,
      sender: "octocat",
      headBranch: "main",
      headSha: "abc123",
      workflowName: "ci",
      htmlUrl: null,
      status: action === "completed" ? "completed" : "queued",
      conclusion: action === "completed" ? "success" : null,
      runnerName,
      createdAt: now,
      startedAt: null,
      completedAt: action === "completed" ? now : null,
    },
  };
}

/** Polls `check` until it returns true, or fails after `ms` describing `what`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  describe: () => Promise<string> | string = () => "",
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}\n${await describe()}`);
}
