/**
 * Fixtures for the stats, audit and dead-letter tests: jobs spread over
 * days (with updates and a delete, so the roll-up triggers are exercised),
 * a reference computation of the stats straight from the job rows, and a
 * dead letter made the way the queue makes them (ten nacks).
 */
import assert from "node:assert/strict";
import * as schema from "../../shared/db/schema.ts";
import { eq } from "drizzle-orm";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import type { StatsGroup, StatsMeasures } from "../../shared/schema/stats.ts";
import { corePost } from "../support/core_token.ts";
import { coreKeyPair } from "../support/edge.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";
import type { ConsoleStack, SeedDatabase } from "./stack.ts";

export const WEBHOOK_SECRET = "console-test-webhook-secret";
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A console stack's core key, so a test can lease and nack. */
export async function coreKeys() {
  return await coreKeyPair("core-ops-test");
}

/**
 * 120 jobs over the last 40 days across both seeded pools, three repos,
 * four senders and three labels; some unquoted; then some are moved on
 * (queued → running → completed) and one deleted, as the core would.
 */
export async function seedStatsJobs(db: SeedDatabase, now: number): Promise<void> {
  const repos = ["octocat/hello-world", "octocat/spoon-knife", "acme/api"];
  const senders = ["octocat", "hubot", "monalisa", "dependabot[bot]"];
  const rows = Array.from({ length: 120 }, (_, i): NewJobRow => {
    const queuedAt = now - Math.floor((i * 40 * DAY) / 120) - (i % 7) * HOUR - 1000;
    const state = i % 10 === 0
      ? "failed"
      : i % 13 === 0
      ? "reaped"
      : i % 17 === 0
      ? "queued"
      : "completed";
    const hasRunner = state !== "queued" && i % 10 !== 0;
    const startedAt = hasRunner ? queuedAt + (5 + (i % 9) * 20) * 1000 : null;
    const completedAt = state === "queued" ? null : queuedAt + 10 * 60_000 + (i % 5) * 60_000;
    const isUnquoted = hasRunner && i % 11 === 0;
    return {
      id: String(8000000000 + i),
      githubJobId: 8000000000 + i,
      runId: 1000 + i,
      repoFullName: repos[i % 3],
      jobName: "build",
      sha: "abc",
      sender: i % 19 === 0 ? null : senders[i % 4],
      labels: i % 2 === 0 ? ["self-hosted", "linux"] : ["self-hosted", "arm64", "linux"],
      state,
      projectId: i % 23 === 0 ? null : "p-my-app",
      poolId: i % 23 === 0 ? null : i % 3 === 0 ? "pool-large" : "pool-small",
      priceUsdPerHour: hasRunner && !isUnquoted ? 0.0208 : null,
      costUsd: hasRunner && !isUnquoted ? 0.0001 * (i + 1) : null,
      queuedAt,
      launchedAt: hasRunner ? queuedAt + 2000 : null,
      startedAt,
      completedAt,
      updatedAt: queuedAt,
    };
  });
  await db.insert(schema.jobs).values(rows);
  // The core's later writes: one job starts, then completes; a queued one is routed; one is deleted.
  const moved = rows[4];
  await db.update(schema.jobs).set({ state: "running", completedAt: null, costUsd: null })
    .where(eq(schema.jobs.id, moved.id));
  await db.update(schema.jobs).set({
    state: "completed",
    completedAt: moved.queuedAt + 20 * 60_000,
    costUsd: 0.0123,
    sender: "octocat",
  }).where(eq(schema.jobs.id, moved.id));
  await db.update(schema.jobs).set({ poolId: "pool-large", labels: ["self-hosted", "gpu"] })
    .where(eq(schema.jobs.id, rows[17].id));
  await db.delete(schema.jobs).where(eq(schema.jobs.id, rows[1].id));
}

/** Start of the UTC month holding `now`, computed here, not by the API under test. */
export function monthStartOf(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/**
 * Three finished jobs at the month's edge, whatever day `now` is: one queued
 * 1 ms before the month (last month's), two exactly at its first instant (one
 * quoted, one without a price quote, so the month always has an unquoted job).
 */
export async function seedMonthEdgeJobs(db: SeedDatabase, now: number): Promise<void> {
  const start = monthStartOf(now);
  const job = (n: number, queuedAt: number, costUsd: number | null): NewJobRow => ({
    id: String(9000000000 + n),
    githubJobId: 9000000000 + n,
    runId: 9000 + n,
    repoFullName: "acme/api",
    jobName: "edge-of-month",
    sha: "abc",
    sender: "octocat",
    labels: ["self-hosted", "linux"],
    state: "completed",
    projectId: "p-my-app",
    poolId: "pool-large",
    priceUsdPerHour: costUsd === null ? null : 0.0208,
    costUsd,
    queuedAt,
    launchedAt: queuedAt + 2000,
    startedAt: queuedAt + 5000,
    completedAt: queuedAt + 65_000,
    updatedAt: queuedAt,
  });
  await db.insert(schema.jobs).values([
    job(1, start - 1, 1.5),
    job(2, start, 0.25),
    job(3, start, null),
  ]);
}

type JobRow = typeof schema.jobs.$inferSelect;
type NewJobRow = typeof schema.jobs.$inferInsert;

/** The stats of the jobs queued in `[from, to)`, computed from the rows themselves. */
export function referenceStats(rows: JobRow[], from: number, to: number, groupBy: StatsGroup) {
  const inWindow = rows.filter((job) => job.queuedAt >= from && job.queuedAt < to);
  const totals = emptyMeasures();
  const groups = new Map<string, StatsMeasures>();
  const senders = new Map<string, number>();
  for (const job of inWindow) {
    const measures = measuresOf(job);
    add(totals, measures);
    const keys = groupBy === "label" ? job.labels : [
      groupBy === "project"
        ? job.projectId ?? ""
        : groupBy === "pool"
        ? job.poolId ?? ""
        : job.repoFullName,
    ];
    for (const key of keys) add(groups.get(key) ?? setNew(groups, key), measures);
    const sender = job.sender ?? "";
    senders.set(sender, (senders.get(sender) ?? 0) + 1);
  }
  return { totals, groups, senders };
}

function setNew(map: Map<string, StatsMeasures>, key: string): StatsMeasures {
  const value = emptyMeasures();
  map.set(key, value);
  return value;
}

function measuresOf(job: JobRow): StatsMeasures {
  const start = job.startedAt ?? job.launchedAt;
  const ran = job.completedAt !== null && start !== null;
  return {
    jobs: 1,
    completed: job.state === "completed" ? 1 : 0,
    failed: job.state === "failed" || job.state === "reaped" ? 1 : 0,
    runtimeMs: ran ? Math.max(0, job.completedAt! - start!) : 0,
    costUsd: job.costUsd ?? 0,
    unquoted: ran && job.costUsd === null ? 1 : 0,
  };
}

function emptyMeasures(): StatsMeasures {
  return { jobs: 0, completed: 0, failed: 0, runtimeMs: 0, costUsd: 0, unquoted: 0 };
}

function add(into: StatsMeasures, m: StatsMeasures): void {
  into.jobs += m.jobs;
  into.completed += m.completed;
  into.failed += m.failed;
  into.runtimeMs += m.runtimeMs;
  into.costUsd += m.costUsd;
  into.unquoted += m.unquoted;
}

/** Asserts API measures equal reference ones (costs to the micro-dollar). */
export function assertMeasures(actual: StatsMeasures, expected: StatsMeasures, what: string) {
  const exact = (m: StatsMeasures) => ({
    jobs: m.jobs,
    completed: m.completed,
    failed: m.failed,
    runtimeMs: m.runtimeMs,
    microUsd: Math.round(m.costUsd * 1e6),
    unquoted: m.unquoted,
  });
  assert.deepEqual(exact(actual), exact(expected), what);
}

/** Queues a job event and nacks it until the queue dead-letters it; returns the GitHub job id. */
export async function makeDeadLetter(
  stack: ConsoleStack,
  privateKeyPem: string,
  jobId: number,
): Promise<void> {
  const response = await postWebhook(
    stack.url,
    await workflowJobPayload({ action: "queued", jobId, repo: "octocat/hello-world" }),
    { secret: WEBHOOK_SECRET },
  );
  assert.equal(response.status, 202, await response.text());
  for (let delivery = 1; delivery <= 10; delivery++) {
    const leased = await corePost(stack.url, privateKeyPem, "/core/v1/lease", {
      max: 50,
      waitMs: 0,
    });
    const { events } = await leased.json() as { events: LeasedEvent[] };
    assert.ok(events.length > 0, `delivery ${delivery} of job ${jobId}`);
    const nack = await corePost(stack.url, privateKeyPem, "/core/v1/nack", {
      leases: events.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId })),
      delayMs: 0,
    });
    await nack.body?.cancel();
  }
  // The lease after the last allowed delivery is what moves the event to the dead letters.
  const last = await corePost(stack.url, privateKeyPem, "/core/v1/lease", { max: 50, waitMs: 0 });
  assert.deepEqual((await last.json()).events, [], "the 11th delivery is withheld");
}
