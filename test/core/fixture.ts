/**
 * The core's scheduler wired to real parts for tests that need no edge: a
 * libSQL server over HTTP, the EC2 emulator through the unmodified SDK, the
 * GitHub fake through the real GitHub App client. The vault only records
 * deposits (the edge is tested elsewhere).
 */
import { ec2ProviderFor } from "../support/ec2_provider.ts";
import { openDatabase } from "../../core/db/database.ts";
import { migrate } from "../../core/db/migrate.ts";
import { seedProjects } from "../../core/db/seed.ts";
import { LaunchQueries } from "../../core/db/launch_queries.ts";
import { type NewJobRow, Store } from "../../core/db/store.ts";
import type { RunnerVault } from "../../core/edge_client/edge_client.ts";
import type { GitHub } from "../../core/github/github.ts";
import { GitHubApp } from "../../core/github/github_app.ts";
import { createLogger } from "../../core/log.ts";
import { JobEvents } from "../../core/scheduler/job_events.ts";
import { Launcher, type LauncherOptions } from "../../core/scheduler/launcher.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { Reconciler, type ReconcilerOptions } from "../../core/reconcile/reconciler.ts";
import { parseCoreConfig } from "../../shared/schema/config.ts";
import type { JobFacts, WorkflowJobMessage } from "../../shared/schema/edge_core.ts";
import type { RunnerConfigDeposit } from "../../shared/schema/runner.ts";
import { startEc2Emulator } from "../support/ec2/emulator.ts";
import { type GithubFakeOptions, startGithubFake } from "../support/github/fake.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";

export const REPO = "acme/web";
export const LABELS = ["self-hosted", "my-app", "small"];

/** A project bound to acme/web with one on-demand pool and one spot pool. */
export function project(options: { spot: boolean }) {
  const parsed = parseCoreConfig({
    edge: { url: "http://127.0.0.1:1", private_key: "-----BEGIN PRIVATE KEY-----" },
    database: { url: "file:unused.db" },
    github: { app_id: 1, private_key: "-----BEGIN PRIVATE KEY-----" },
    projects: [{
      name: "my-app",
      repos: [{ full_name: REPO }],
      pools: [{
        name: "small",
        default: true,
        spot: options.spot,
        ami: "ami-0abcdef1234567890",
        instance_types: ["t3.small"],
        subnets: ["subnet-aaa111"],
        security_groups: ["sg-0123"],
      }],
    }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.projects;
}

export async function startCoreFixture(
  options: {
    spot?: boolean;
    /** Options for the GitHub fake (GitHub's own rules: permissions, policies, assignment). */
    github?: GithubFakeOptions;
    /** Wraps the GitHub client the scheduler uses (to observe what it calls when). */
    wrapGitHub?: (app: GitHub) => GitHub;
  } = {},
) {
  const libsql = await startLibsqlServer({});
  const ec2Emulator = await startEc2Emulator();
  const github = await startGithubFake({
    installations: [{ id: 1001, account: "acme" }],
    ...options.github,
  });
  const { client, db } = await openDatabase(libsql.url);
  await migrate(client);
  await seedProjects(db, project({ spot: options.spot ?? false }), Date.now());
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json" }, (line) => lines.push(line));
  const aws = ec2ProviderFor(ec2Emulator, log);
  const provider = aws.provider;
  const app = new GitHubApp({
    appId: github.appId,
    privateKey: github.privateKeyPem,
    apiUrl: github.url,
    log,
    writesPerSecond: 100,
  });
  const deposits: RunnerConfigDeposit[] = [];
  const vault: RunnerVault = {
    batchToken: (claims) => Promise.resolve(`test-token-${claims.batchId}`),
    deposit: (batch) => {
      deposits.push(...batch);
      return Promise.resolve();
    },
  };
  const store = new Store(client, db);
  const launchGitHub = options.wrapGitHub?.(app) ?? app;
  const launcherOptions: LauncherOptions = {
    store,
    launches: new LaunchQueries(store),
    provider,
    github: launchGitHub,
    vault,
    log,
    now: Date.now,
    runners: { edgeUrl: "http://127.0.0.1:1", bootTimeoutSeconds: 600 },
    coreId: "core-test",
    batchWindowMs: 0,
    retry: { delaysMs: [200], jitter: 0 },
    sweepIntervalMs: 100,
  };
  const launcher = new Launcher(launcherOptions);
  const events = new JobEvents({
    store,
    provider,
    github: launchGitHub,
    log,
    now: Date.now,
    spotRetries: 2,
    pokeLauncher: () => launcher.poke(),
  });
  return {
    libsql,
    ec2Emulator,
    github,
    app,
    store,
    db,
    provider,
    events,
    launcher,
    /** What the fixture's launcher was built with, for a test that builds its own. */
    launcherOptions,
    vault,
    deposits,
    log,
    lines,
    async close() {
      await launcher.drain();
      client.close();
      aws.destroy();
      await Promise.all([ec2Emulator.close(), github.close(), libsql.close()]);
    },
  };
}

export type CoreFixture = Awaited<ReturnType<typeof startCoreFixture>>;

/** A workflow_job message as the edge would hand it over, from the fake's job. */
export function messageOf(
  action: WorkflowJobMessage["action"],
  job: JobFacts,
): WorkflowJobMessage {
  return {
    type: "workflow_job",
    action,
    deliveryId: crypto.randomUUID(),
    receivedAt: Date.now(),
    job,
  };
}

/** A queued job row of the fixture's repo, as a `queued` event records it. */
export function queuedJobRow(id: number, overrides: Partial<NewJobRow> = {}): NewJobRow {
  return {
    id: String(id),
    githubJobId: id,
    runId: 1,
    installationId: 1001,
    repoFullName: REPO,
    jobName: "build",
    sha: "abc",
    labels: LABELS,
    state: "queued",
    queuedAt: 1_000 + id,
    updatedAt: 1_000 + id,
    ...overrides,
  };
}

/** One reaper pass with the core's defaults (boot timeout 600 s, max runtime 60 min). */
export function reapNow(stack: CoreFixture) {
  return reapOnce({
    store: stack.store,
    provider: stack.provider,
    log: stack.log,
    now: Date.now,
    bootTimeoutSeconds: 600,
    maxRuntimeMinutes: 60,
    github: stack.app,
  });
}

/** A reconciler over the fixture, its finds enqueued as delivered events. */
export function reconcilerOf(stack: CoreFixture, overrides: Partial<ReconcilerOptions> = {}) {
  return new Reconciler({
    store: stack.store,
    github: stack.app,
    log: stack.log,
    now: Date.now,
    enqueue: (message) => stack.events.handle(message),
    lookbackMs: 3600_000,
    minAgeMs: 60_000,
    maxJobChecks: 50,
    minRateRemaining: 0,
    spotRetries: 2,
    capabilities: stack.provider.capabilities,
    ...overrides,
  });
}

/** Polls `check` until it returns a value, or fails after `ms` with `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
