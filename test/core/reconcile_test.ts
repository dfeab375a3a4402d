/**
 * Missed webhooks, against libSQL, the EC2 emulator and the GitHub fake: a
 * queued job whose webhook never came is found and launched once; a failed
 * delivery is redelivered once; a job GitHub finished is closed.
 */
import assert from "node:assert/strict";
import { costUsd, elapsedSeconds } from "../../shared/cost.ts";
import { eq } from "drizzle-orm";
import { auditEvents } from "../../shared/db/schema.ts";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import {
  type CoreFixture,
  LABELS,
  messageOf,
  reconcilerOf,
  REPO,
  startCoreFixture,
  waitFor,
} from "./fixture.ts";

const launchesOf = (stack: CoreFixture, jobId: number) =>
  stack.ec2Emulator.instances().filter((i) =>
    i.tags["gantry:job"] === String(jobId) ||
    stack.deposits.some((d) => d.jobId === String(jobId) && d.instanceId === i.instanceId)
  );

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

Deno.test("a queued job whose webhook never came is found, launched once, and not again", async () => {
  const stack = await startCoreFixture();
  try {
    const missed = stack.github.addJob({ repo: REPO, labels: LABELS, created_at: minutesAgo(2) });
    const young = stack.github.addJob({ repo: REPO, labels: LABELS, created_at: minutesAgo(0) });
    const reconciler = reconcilerOf(stack);

    const first = await reconciler.reconcileOnce();
    assert.deepEqual(first.adopted, [String(missed.id)], "the young job is left to its webhook");
    const job = await waitFor(
      "the adopted job to launch",
      async () => {
        const row = await stack.store.job(String(missed.id));
        return row?.state === "starting" ? row : undefined;
      },
    );
    assert.ok(job.instanceId?.startsWith("i-"));
    assert.equal(await stack.store.job(String(young.id)), null);

    const second = await reconciler.reconcileOnce();
    assert.deepEqual(second.adopted, [], "a job the core knows is not adopted twice");
    await stack.launcher.settled();
    assert.equal(launchesOf(stack, missed.id).length, 1, "exactly one instance for the job");
    const audits = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "job.adopt"),
    );
    assert.deepEqual(audits.map((a) => a.target), [String(missed.id)]);
  } finally {
    await stack.close();
  }
});

Deno.test("a failed workflow_job delivery is redelivered once; delivered and other events are left alone", async () => {
  const stack = await startCoreFixture();
  try {
    const failed = stack.github.addDelivery({ action: "queued", status_code: 502 });
    stack.github.addDelivery({ action: "queued", status_code: 200, status: "OK" });
    stack.github.addDelivery({ event: "ping", action: null, status_code: 500 });
    const timedOut = stack.github.addDelivery({ action: "completed", status_code: 0 });
    const reconciler = reconcilerOf(stack);

    assert.deepEqual(
      (await reconciler.reconcileOnce()).redelivered.sort(),
      [failed.id, timedOut.id].sort(),
    );
    assert.deepEqual((await reconciler.reconcileOnce()).redelivered, [], "once each");
    // A core restarted (no cursor) reads the log again and still does not redeliver twice.
    assert.deepEqual((await reconcilerOf(stack).reconcileOnce()).redelivered, []);
    const attempts = stack.github.calls.filter((c) => c.path.endsWith("/attempts"));
    assert.deepEqual(
      attempts.map((c) => c.path).sort(),
      [`/app/hook/deliveries/${failed.id}/attempts`, `/app/hook/deliveries/${timedOut.id}/attempts`]
        .sort(),
    );
  } finally {
    await stack.close();
  }
});

Deno.test("a job GitHub finished while the core thinks it running is closed: instance terminated, cost recorded", async () => {
  const stack = await startCoreFixture();
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    const facts = () =>
      jobFactsOf(stack.github.jobs.get(seeded.id), { repoFullName: REPO, installationId: 1001 });
    await stack.events.handle(messageOf("queued", facts()));
    const starting = await waitFor("launch", async () => {
      const row = await stack.store.job(String(seeded.id));
      return row?.state === "starting" ? row : undefined;
    });
    stack.github.updateJob(seeded.id, { status: "in_progress", runner_name: starting.runnerName });
    await stack.events.handle(messageOf("in_progress", facts()));
    assert.equal((await stack.store.job(String(seeded.id)))?.state, "running");

    // GitHub finishes the job; its completed webhook is lost.
    stack.github.updateJob(seeded.id, {
      status: "completed",
      conclusion: "success",
      completed_at: new Date().toISOString(),
    });
    const report = await reconcilerOf(stack, { minAgeMs: 0 }).reconcileOnce();
    assert.deepEqual(report.closed, [String(seeded.id)]);
    const closed = await stack.store.job(String(seeded.id));
    assert.equal(closed?.state, "completed");
    assert.equal(closed?.conclusion, "success");
    // The instance's price over its life up to the job's close, to the micro-dollar.
    const ranOn = await stack.store.instanceByRunnerName(starting.runnerName!);
    assert.ok(ranOn && ranOn.priceUsdPerHour! > 0, "a quoted instance");
    assert.equal(
      Math.round(closed!.costUsd! * 1e6),
      Math.round(
        costUsd(ranOn.priceUsdPerHour!, elapsedSeconds(ranOn.launchedAt, closed!.updatedAt)) * 1e6,
      ),
    );
    assert.ok(closed!.costUsd! > 0);
    const instance = stack.ec2Emulator.instances().find((i) =>
      i.instanceId === starting.instanceId
    );
    assert.ok(
      ["shutting-down", "terminated"].includes(instance?.state ?? ""),
      String(instance?.state),
    );
    const audits = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "job.close"),
    );
    assert.equal(audits.length, 1);
    assert.deepEqual((await reconcilerOf(stack, { minAgeMs: 0 }).reconcileOnce()).closed, []);
  } finally {
    await stack.close();
  }
});

Deno.test("job listings are skipped while the rate limit is nearly spent", async () => {
  const stack = await startCoreFixture();
  try {
    stack.github.addJob({ repo: REPO, labels: LABELS, created_at: minutesAgo(5) });
    const report = await reconcilerOf(stack, { minRateRemaining: 10_000 }).reconcileOnce();
    assert.match(report.skipped ?? "", /GitHub API calls left/);
    assert.deepEqual(report.adopted, []);
    assert.equal(stack.github.calls.filter((c) => c.path.includes("/actions/runs")).length, 0);
  } finally {
    await stack.close();
  }
});
