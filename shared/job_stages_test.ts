import assert from "node:assert/strict";
import {
  DELIVERY_DELAY_MS,
  gantryShareMs,
  type JobWait,
  knownWaits,
  STAGE_LABELS,
  stagesOfJob,
  WAIT_LABELS,
  waterfallOf,
} from "./job_stages.ts";

const T = 1_000_000;

/** A cold launch: every stage seen, in order. */
const cold = {
  github_created: T,
  webhook_received: T + 800,
  leased: T + 850,
  claimed: T + 900,
  launch_sent: T + 1_100,
  launch_answered: T + 1_600,
  booted: T + 20_600,
  runner_online: T + 24_600,
  in_progress: T + 26_600,
};

Deno.test("a cold job's waterfall: one gap per pair of stages, each with its party", () => {
  const segments = waterfallOf(cold, []);
  assert.deepEqual(
    segments.map((s) => [s.from, s.to, s.startAt - T, s.durationMs, s.party]),
    [
      ["github_created", "webhook_received", 0, 800, "github"],
      ["webhook_received", "leased", 800, 50, "gantry"],
      ["leased", "claimed", 850, 50, "gantry"],
      ["claimed", "launch_sent", 900, 200, "gantry"],
      ["launch_sent", "launch_answered", 1_100, 500, "provider"],
      ["launch_answered", "booted", 1_600, 19_000, "provider"],
      ["booted", "runner_online", 20_600, 4_000, "runner"],
      ["runner_online", "in_progress", 24_600, 2_000, "github"],
    ],
  );
  assert.equal(gantryShareMs(segments), 300);
});

Deno.test("a warm runner's job skips the launch stages: the gap spans them", () => {
  const segments = waterfallOf({
    github_created: T,
    webhook_received: T + 500,
    leased: T + 520,
    in_progress: T + 5_520,
  }, []);
  assert.deepEqual(
    segments.map((s) => [s.from, s.to, s.durationMs, s.party]),
    [
      ["github_created", "webhook_received", 500, "github"],
      ["webhook_received", "leased", 20, "gantry"],
      ["leased", "in_progress", 5_000, "github"],
    ],
  );
  assert.equal(gantryShareMs(segments), 20);
});

Deno.test("a stage stamped before the previous one (two clocks) is a gap of 0", () => {
  const segments = waterfallOf({ github_created: T + 100, webhook_received: T }, []);
  assert.deepEqual(segments.map((s) => s.durationMs), [0]);
});

Deno.test("fewer than two stages make no waterfall", () => {
  assert.deepEqual(waterfallOf({}, []), []);
  assert.deepEqual(waterfallOf({ leased: T }, []), []);
});

Deno.test("waits land in the gap they began in", () => {
  const wait = (reason: JobWait["reason"], firstAt: number): JobWait => ({
    reason,
    firstAt,
    lastAt: firstAt + 10,
    count: 2,
  });
  const segments = waterfallOf(cold, [
    wait("cap", T + 850), // exactly at `leased`: the gap leased → claimed
    wait("ec2_throttle", T + 1_099), // 1 ms before the launch call
    wait("capacity", T + 1_100), // at the launch call
    wait("capacity", T + 1_200), // again, listed once
    wait("github_rate_limit", T - 5), // before the first stage: the first gap
  ]);
  assert.deepEqual(
    segments.filter((s) => s.reasons.length > 0).map((s) => [s.to, s.reasons]),
    [
      ["webhook_received", ["github_rate_limit"]],
      ["claimed", ["cap"]],
      ["launch_sent", ["ec2_throttle"]],
      ["launch_answered", ["capacity"]],
    ],
  );
});

Deno.test("a webhook more than 10 s after GitHub queued the job is a delivery delay", () => {
  const reasonsOf = (delayMs: number) =>
    waterfallOf({ github_created: T, webhook_received: T + delayMs, leased: T + delayMs + 5 }, [])
      .flatMap((s) => s.reasons);
  assert.equal(DELIVERY_DELAY_MS, 10_000);
  assert.deepEqual(reasonsOf(9_999), []);
  assert.deepEqual(reasonsOf(10_000), []);
  assert.deepEqual(reasonsOf(10_001), ["github_delivery"]);
  // Without a webhook stage there is no delivery to call late, however long the gap.
  assert.deepEqual(
    waterfallOf({ github_created: T, leased: T + 60_000 }, []).flatMap((s) => s.reasons),
    [],
  );
});

Deno.test("the console's words for each stage and each wait reason", () => {
  assert.deepEqual(STAGE_LABELS, {
    github_created: "GitHub queued the job",
    webhook_received: "webhook received",
    leased: "core leased it",
    claimed: "claimed for launch",
    launch_sent: "launch call sent",
    launch_answered: "launch call answered",
    booted: "instance booted",
    runner_online: "runner online",
    in_progress: "job in progress",
  });
  assert.deepEqual(WAIT_LABELS, {
    cap: "a concurrency cap",
    ec2_throttle: "an EC2 throttle",
    capacity: "a capacity retry",
    github_rate_limit: "the GitHub rate limit",
    warm_pool_empty: "an empty warm pool",
    github_delivery: "a GitHub delivery delay",
  });
});

Deno.test("a job's stages: its row's times, then the recorded ones, unknown names skipped", () => {
  assert.deepEqual(stagesOfJob({ queuedAt: T, claimedAt: null, startedAt: null }, []), {
    github_created: T,
  });
  assert.deepEqual(
    stagesOfJob({ queuedAt: T, claimedAt: T + 900, startedAt: T + 26_600 }, [
      { stage: "webhook_received", at: T + 800 },
      { stage: "leased", at: T + 850 },
      { stage: "cloud_quota_checked", at: T + 860 }, // a newer core's stage
    ]),
    {
      github_created: T,
      webhook_received: T + 800,
      leased: T + 850,
      claimed: T + 900,
      in_progress: T + 26_600,
    },
  );
  // Claimed but not started, and started without a recorded claim.
  assert.deepEqual(stagesOfJob({ queuedAt: T, claimedAt: T + 5, startedAt: null }, []), {
    github_created: T,
    claimed: T + 5,
  });
  assert.deepEqual(stagesOfJob({ queuedAt: T, claimedAt: null, startedAt: T + 7 }, []), {
    github_created: T,
    in_progress: T + 7,
  });
});

Deno.test("only waits with a reason this build knows are kept, in order", () => {
  const rows = [
    { reason: "cap", count: 1 },
    { reason: "moon_phase", count: 2 }, // a newer core's reason
    { reason: "warm_pool_empty", count: 3 },
  ];
  assert.deepEqual(knownWaits(rows), [
    { reason: "cap", count: 1 },
    { reason: "warm_pool_empty", count: 3 },
  ]);
  assert.deepEqual(knownWaits([]), []);
});
