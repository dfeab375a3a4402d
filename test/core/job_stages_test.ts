/**
 * The core records a job's stages as events arrive (libSQL, the fixture's
 * store): the webhook's arrival and the lease from a `queued` event, the
 * boot and the runner from the instance's reports. A redelivered event does
 * not move a stage; a wait counts each sighting.
 */
import assert from "node:assert/strict";
import { asc, eq } from "drizzle-orm";
import { type Provider, ThrottledError } from "../../core/providers/provider.ts";
import { JobEvents } from "../../core/scheduler/job_events.ts";
import { Launcher } from "../../core/scheduler/launcher.ts";
import { jobStages, jobWaits } from "../../shared/db/schema.ts";
import type { RunnerEventMessage } from "../../shared/schema/edge_core.ts";
import { messageOf, queuedJobRow, REPO, startCoreFixture, waitFor } from "./fixture.ts";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { CoreMetrics } from "../../core/metrics/core_metrics.ts";

const T = Date.parse("2026-05-20T10:30:00Z");

/** What an instance reports for GitHub job `jobId`, received at `receivedAt`. */
function reportOf(
  jobId: number,
  kind: RunnerEventMessage["kind"],
  receivedAt: number,
): RunnerEventMessage {
  return {
    type: "runner_event",
    deliveryId: `${kind}-${receivedAt}`,
    receivedAt,
    jobId: String(jobId),
    runnerName: `gantry-${jobId}-1`,
    instanceId: "i-0123456789abcdef0",
    kind,
  };
}

Deno.test("stages keep their first sighting; waits count every one", async () => {
  const stack = await startCoreFixture();
  let now = T;
  const events = new JobEvents({
    store: stack.store,
    provider: stack.provider,
    github: stack.app,
    log: stack.log,
    now: () => now,
    spotRetries: 2,
    pokeLauncher: () => {},
  });
  try {
    const job = stack.github.addJob({ repo: REPO, labels: ["self-hosted", "my-app"] });
    const queued = messageOf(
      "queued",
      jobFactsOf(job, { repoFullName: REPO, installationId: 1001 }),
    );
    await events.handle({ ...queued, receivedAt: T - 300 });
    now = T + 6_000;
    await events.handle({ ...queued, deliveryId: "redelivered", receivedAt: T + 5_000 });
    const report = (kind: RunnerEventMessage["kind"], at: number) => reportOf(job.id, kind, at);
    await events.handle(report("booted", T + 20_000));
    await events.handle(report("runner-started", T + 24_000));
    await events.handle(report("booted", T + 29_000));
    const stages = await stack.db.select({ stage: jobStages.stage, at: jobStages.at })
      .from(jobStages).where(eq(jobStages.jobId, String(job.id))).orderBy(asc(jobStages.at));
    assert.deepEqual(stages.map((s) => [s.stage, s.at - T]), [
      ["webhook_received", -300],
      ["leased", 0],
      ["booted", 20_000],
      ["runner_online", 24_000],
    ]);

    await stack.store.recordWait([String(job.id), "other"], "cap", T + 100);
    await stack.store.recordWait([String(job.id)], "cap", T + 50);
    await stack.store.recordWait([String(job.id)], "cap", T + 900);
    const waits = await stack.db.select().from(jobWaits).orderBy(asc(jobWaits.jobId));
    assert.deepEqual(
      waits.map((w) => [w.jobId, w.reason, w.firstAt - T, w.lastAt - T, w.count]),
      [
        [String(job.id), "cap", 50, 900, 3],
        ["other", "cap", 100, 100, 1],
      ],
    );
  } finally {
    await stack.close();
  }
});

Deno.test("a launch call EC2 throttles is a wait for the throttle; the replay is stamped", async () => {
  const stack = await startCoreFixture();
  let throttles = 1;
  const real = stack.provider;
  // The fixture's provider, but its first launch call is throttled.
  const provider: Provider = {
    capabilities: real.capabilities,
    placementsOf: (pool) => real.placementsOf(pool),
    ensureTemplate: (pool) => real.ensureTemplate(pool),
    terminate: (ids) => real.terminate(ids),
    describe: (ids) => real.describe(ids),
    listManaged: () => real.listManaged(),
    quote: (machine) => real.quote(machine),
    stopStart: real.stopStart,
    launch: (request) => {
      if (throttles-- > 0) {
        return Promise.reject(
          new ThrottledError("Request limit exceeded.", { providerCode: "RequestLimitExceeded" }),
        );
      }
      return real.launch(request);
    },
  };
  const launcher = new Launcher({ ...stack.launcherOptions, provider });
  try {
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    launcher.poke();
    const job = await waitFor("the replay to launch", async () => {
      const row = await stack.store.job("1");
      return row?.state === "starting" ? row : undefined;
    });
    const waits = await stack.db.select().from(jobWaits).where(eq(jobWaits.jobId, job.id));
    assert.deepEqual(waits.map((w) => [w.reason, w.count]), [["ec2_throttle", 1]]);
    const stages = await stack.db.select().from(jobStages).where(eq(jobStages.jobId, job.id))
      .orderBy(asc(jobStages.stage));
    assert.deepEqual(stages.map((s) => s.stage), ["launch_answered", "launch_sent"]);
    // The throttle came before the call that went through.
    assert.ok(waits[0].firstAt <= stages[1].at, JSON.stringify({ waits, stages }));
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("a registration GitHub rate-limits is a wait for the GitHub rate limit", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher(stack.launcherOptions);
  try {
    // The installation's token is fetched first, so the refusal falls on the JIT call.
    await stack.app.generateJitConfig({
      repoFullName: REPO,
      installationId: 1001,
      runnerName: "token-warmer",
      labels: ["self-hosted"],
    });
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    await stack.store.insertJob(queuedJobRow(2), 1_000);
    stack.github.calls.length = 0;
    stack.github.rateLimit({ kind: "secondary", count: 1, resetInSeconds: 1 });
    launcher.poke();
    for (const id of ["1", "2"]) {
      await waitFor(`job ${id} to launch`, async () => {
        const row = await stack.store.job(id);
        return row?.state === "starting" ? row : undefined;
      });
    }
    const jitCalls = stack.github.calls.filter((c) => c.path.endsWith("/generate-jitconfig"));
    assert.deepEqual(jitCalls.map((c) => c.status).sort(), [201, 201, 403]);
    const waits = await stack.db.select().from(jobWaits).orderBy(asc(jobWaits.jobId));
    // One of the two registrations was refused once; only its job waited for the limit.
    assert.equal(waits.length, 1, JSON.stringify(waits));
    assert.equal(waits[0].reason, "github_rate_limit");
    assert.equal(waits[0].count, 1);
    assert.ok(["1", "2"].includes(waits[0].jobId));
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("a started job's stages go into the stage histograms once, its waits into the counter", async () => {
  const stack = await startCoreFixture();
  let now = T;
  const metrics = new CoreMetrics({
    retriesWaiting: () => 0,
    bufferDepth: () => Promise.resolve(0),
    rss: () => 0,
    githubRateRemaining: () => null,
  });
  const events = new JobEvents({
    store: stack.store,
    provider: stack.provider,
    github: stack.app,
    log: stack.log,
    now: () => now,
    pokeLauncher: () => {},
    stageMetrics: metrics,
  });
  try {
    const job = stack.github.addJob({ repo: REPO, labels: ["self-hosted", "nothing-offers-this"] });
    const facts = {
      ...jobFactsOf(job, { repoFullName: REPO, installationId: 1001 }),
      createdAt: new Date(T - 2_000).toISOString(),
    };
    await events.handle({ ...messageOf("queued", facts), receivedAt: T - 300 });
    const report = (kind: RunnerEventMessage["kind"], at: number) => reportOf(job.id, kind, at);
    await events.handle(report("booted", T + 20_000));
    await events.handle(report("runner-started", T + 24_000));
    await stack.store.recordWait([String(job.id)], "cap", T + 100);
    now = T + 31_000;
    const started = messageOf("in_progress", {
      ...facts,
      startedAt: new Date(T + 30_000).toISOString(),
    });
    await events.handle(started);
    await events.handle({ ...started, deliveryId: "redelivered" });

    const families = await metrics.registry.getMetricsAsJSON();
    const values = (name: string) =>
      families.find((f) => f.name === name)!.values as unknown as {
        value: number;
        labels: Record<string, string>;
        metricName?: string;
      }[];
    const sums = values("gantry_core_job_stage_seconds")
      .filter((v) => v.metricName === "gantry_core_job_stage_seconds_sum")
      .map((v) => [v.labels.pool, v.labels.stage, v.labels.party, v.value]);
    assert.deepEqual(sums, [
      ["(none)", "webhook_received", "github", 1.7],
      ["(none)", "leased", "gantry", 0.3],
      ["(none)", "booted", "provider", 20],
      ["(none)", "runner_online", "runner", 4],
      ["(none)", "in_progress", "github", 6],
    ]);
    const counts = values("gantry_core_job_stage_seconds")
      .filter((v) => v.metricName === "gantry_core_job_stage_seconds_count")
      .map((v) => v.value);
    assert.deepEqual(counts, [1, 1, 1, 1, 1], "the redelivered event observed nothing");
    // 0.3 s falls in the 0.5 s bucket, not the 0.1 s one.
    const leasedBuckets = values("gantry_core_job_stage_seconds")
      .filter((v) => v.metricName === "gantry_core_job_stage_seconds_bucket")
      .filter((v) => v.labels.stage === "leased" && ["0.1", "0.5"].includes(String(v.labels.le)))
      .map((v) => [String(v.labels.le), v.value]);
    assert.deepEqual(leasedBuckets, [["0.1", 0], ["0.5", 1]]);
    assert.deepEqual(
      values("gantry_core_job_waits_total").map((v) => [v.labels.pool, v.labels.reason, v.value]),
      [["(none)", "cap", 1]],
    );
  } finally {
    await stack.close();
  }
});
