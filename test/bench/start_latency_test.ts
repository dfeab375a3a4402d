/**
 * The start bench's arithmetic: a job's real wait turned into simulated time
 * span by span (literal cases), Gantry's share, and a small real run without
 * jitter whose every job waits exactly the model's sum (pending 16 s, boot
 * 3 s, runner start-up 4 s, GitHub 2 s: 25 s) plus real time no smaller than
 * the Gantry share measured for it.
 */
import assert from "node:assert/strict";
import { EC2_START_MEANS_MS } from "../support/ec2/timings.ts";
import type { ModelledSpan } from "../support/simulated_runners.ts";
import { gantryShareMs, simulatedWaitMs, splitWait, summarize } from "./start_accounting.ts";
import { KINDS, measureKind } from "./start_latency.ts";

/** A span played at scale 0.1: `realMs` on the wall clock from `from`. */
/** The model's mean timings without jitter, on a clock 50 times faster. */
const JITTER_FREE = { meansMs: EC2_START_MEANS_MS, jitter: 0, seed: 1, scale: 0.02 };

const span = (phase: ModelledSpan["phase"], from: number, realMs: number): ModelledSpan => ({
  phase,
  from,
  to: from + realMs,
  simulatedMs: realMs * 10,
});

Deno.test("a cold job's wait: its runner's modelled spans at full length, the rest one for one", () => {
  // Queued at 1,000; the launch call at 1,150; pending 1,600 real; the vault 40 ms between
  // boot and start-up; started 30 ms late after GitHub's assignment.
  const job = {
    queuedAt: 1_000,
    startedAt: 1_000 + 150 + 1_600 + 300 + 40 + 400 + 200 + 30,
    spans: [
      span("pending", 1_150, 1_600),
      span("osBoot", 2_750, 300),
      span("runnerStartup", 3_090, 400),
      span("githubAssignment", 3_490, 200),
    ],
  };
  assert.deepEqual(splitWait(job), { modelledMs: 25_000, unmodelledMs: 220 });
  assert.equal(simulatedWaitMs(job), 25_220);
});

Deno.test("a runner launched before the job was queued counts only from the job's queueing", () => {
  // Launched for an older job at 0; this job queued at 1,000, mid-pending; took the runner.
  const job = {
    queuedAt: 1_000,
    startedAt: 2_500,
    spans: [
      span("pending", 0, 1_600),
      span("osBoot", 1_600, 300),
      span("runnerStartup", 1_900, 400),
      span("githubAssignment", 2_300, 200),
    ],
  };
  // 600 ms of pending (6 s), then 3 + 4 + 2 s, nothing else.
  assert.deepEqual(splitWait(job), { modelledMs: 15_000, unmodelledMs: 0 });
});

Deno.test("a hot job waits for GitHub's assignment only; its runner's boot lay before it", () => {
  const job = {
    queuedAt: 10_000,
    startedAt: 10_212,
    spans: [
      span("pending", 0, 1_600),
      span("osBoot", 1_600, 300),
      span("runnerStartup", 1_900, 400),
      span("githubAssignment", 10_005, 200),
    ],
  };
  assert.deepEqual(splitWait(job), { modelledMs: 2_000, unmodelledMs: 12 });
});

Deno.test("a span too short to play still counts its simulated length when inside the wait", () => {
  const job = {
    queuedAt: 0,
    startedAt: 10,
    spans: [{ phase: "osBoot" as const, from: 5, to: 5, simulatedMs: 3_000 }],
  };
  assert.deepEqual(splitWait(job), { modelledMs: 3_000, unmodelledMs: 10 });
});

Deno.test("Gantry's share: webhook → launch call sent plus the vault's hand-out, real ms", () => {
  assert.equal(gantryShareMs({ queuedAt: 1_000, launchSentAt: 1_180, vaultMs: 35 }), 215);
  // A hot job GitHub started before any launch for it: the vault alone.
  assert.equal(gantryShareMs({ queuedAt: 1_000, vaultMs: 35 }), 35);
  assert.deepEqual(summarize([25_000, 26_000, 30_000], [100, 200, 900]), {
    started: 3,
    p50S: 26,
    p95S: 30,
    gantryShareP99Ms: 900,
  });
});

Deno.test("without jitter, every cold job waits the model's 25 s plus at least its Gantry share", async () => {
  const cold = KINDS.find((kind) => kind.name === "cold")!;
  const result = await measureKind(cold, {
    jobs: 8,
    spacingMs: 200,
    warmUpJobs: 1,
    timings: JITTER_FREE,
    drainMs: 20_000,
  });
  assert.equal(result.lost, 0);
  assert.equal(result.jobs.length, 8);
  // Jobs queued 200 ms apart with identical timings keep their order: each takes its own runner.
  assert.deepEqual(result.jobs.map((job) => job.hadOwnRunner), Array(8).fill(true));
  for (const job of result.jobs) {
    assert.equal(Math.round(job.modelledMs), 25_000);
    // The webhook → launch call and the vault lie outside every modelled span.
    assert.ok(
      job.unmodelledMs >= job.gantryShareMs,
      `job ${job.jobId}: ${job.unmodelledMs} ms unmodelled < ${job.gantryShareMs} ms Gantry`,
    );
    assert.equal(job.waitMs, job.modelledMs + job.unmodelledMs);
  }
  const summary = summarize(
    result.jobs.map((job) => job.waitMs),
    result.jobs.map((job) => job.gantryShareMs),
  );
  const maxShare = Math.max(...result.jobs.map((job) => job.gantryShareMs));
  // The harness's own part (webhook HTTP, reports, late timers) stays under a second.
  assert.ok(
    summary.p50S >= 25 && summary.p50S <= 25 + (maxShare + 1_000) / 1000,
    `p50 ${summary.p50S} s, Gantry's share at most ${maxShare} ms`,
  );
});

Deno.test("without jitter, every stopped job waits start 5 s + runner 4 s + assignment 2 s (hibernated: no OS boot)", async () => {
  // Four stopped instances, not the bench's ten: fewer boots to wait for on a loaded machine.
  const kind = KINDS.find((kind) => kind.name === "stopped")!;
  const stopped = {
    ...kind,
    pool: { ...kind.pool, stopped_min: 4 },
    readyWhen: { stoppedInstances: 4 },
  };
  const result = await measureKind(stopped, {
    jobs: 4,
    spacingMs: 300,
    warmUpJobs: 1,
    timings: JITTER_FREE,
    drainMs: 20_000,
  });
  assert.equal(result.lost, 0);
  assert.equal(result.jobs.length, 4);
  // Each job's runner was started from stopped for it, after it was queued.
  assert.deepEqual(result.jobs.map((job) => job.hadOwnRunner), [true, true, true, true]);
  for (const job of result.jobs) {
    assert.equal(Math.round(job.modelledMs), 11_000, `job ${job.jobId}`);
    assert.equal(job.waitMs, job.modelledMs + job.unmodelledMs);
  }
  // Every instance's first boot only prepared it; the jobs' boots were starts, not launches.
  const preparations = result.boots.filter((boot) => boot.isPreparation);
  assert.ok(preparations.length >= 4, `${preparations.length} preparations`);
  assert.ok(preparations.every((boot) => boot.cause === "launch" && !boot.runnerName));
  // The pool has one instance type: each job's instance resumed from hibernation, no OS boot.
  const jobBoots = result.boots.filter((boot) => boot.runnerName && boot.cause !== "launch");
  assert.ok(jobBoots.length >= 4, `${jobBoots.length} starts ran a runner`);
  assert.ok(jobBoots.every((boot) => boot.cause === "resume"), jobBoots.map((b) => b.cause).join());
  assert.ok(jobBoots.every((boot) => !boot.spans.some((span) => span.phase === "osBoot")));
});
