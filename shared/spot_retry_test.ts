import assert from "node:assert/strict";
import { isForcedOnDemand, RERUN_WAIT_MS, rerunDecision, rerunTiming } from "./spot_retry.ts";

Deno.test("an interrupted job that failed is re-run while retries remain", () => {
  const job = { interruptedAt: 1_000, spotRetries: 0 };
  assert.deepEqual(rerunDecision(job, "failure", 2), { kind: "rerun", spotRetries: 1 });
  assert.deepEqual(rerunDecision({ ...job, spotRetries: 1 }, "failure", 2), {
    kind: "rerun",
    spotRetries: 2,
  });
  assert.equal(rerunDecision({ ...job, spotRetries: 2 }, "failure", 2).kind, "none");
  assert.equal(rerunDecision(job, "failure", 0).kind, "none", "0 disables re-runs");
});

Deno.test("only interrupted jobs concluded as failures are re-run", () => {
  assert.equal(rerunDecision({ interruptedAt: null, spotRetries: 0 }, "failure", 2).kind, "none");
  for (const conclusion of ["success", "cancelled", null]) {
    const decision = rerunDecision({ interruptedAt: 5, spotRetries: 0 }, conclusion, 2);
    assert.equal(decision.kind, "none", String(conclusion));
  }
});

Deno.test("a re-run after an interruption is forced on-demand; others are not", () => {
  assert.equal(isForcedOnDemand({ isForcedOnDemand: true }), true);
  assert.equal(isForcedOnDemand({ isForcedOnDemand: false }), false);
});

Deno.test("a re-run waits for its workflow run to complete, for a bounded time", () => {
  const hour = 3600_000;
  const cases: [
    { status: string } | null,
    number | null,
    number,
    ReturnType<typeof rerunTiming>,
  ][] = [
    [{ status: "completed" }, 0, 10 * hour, { kind: "now" }],
    [{ status: "in_progress" }, 0, hour, {
      kind: "wait",
      reason: "the workflow run is in_progress",
    }],
    [{ status: "queued" }, null, 7 * hour, { kind: "wait", reason: "the workflow run is queued" }],
    [
      { status: "in_progress" },
      0,
      RERUN_WAIT_MS,
      {
        kind: "give_up",
        reason: "the workflow run was still in_progress 360 min after the job ended",
      },
    ],
    [null, 0, 0, { kind: "give_up", reason: "GitHub no longer knows the workflow run" }],
  ];
  for (const [run, completedAt, now, expected] of cases) {
    assert.deepEqual(rerunTiming(run, completedAt, now), expected, JSON.stringify([run, now]));
  }
});

Deno.test("each reason not to re-run says why, with the numbers", () => {
  const interrupted = { interruptedAt: 5, spotRetries: 2 };
  assert.deepEqual(
    [
      rerunDecision({ interruptedAt: null, spotRetries: 0 }, "failure", 2),
      rerunDecision(interrupted, "success", 2),
      rerunDecision(interrupted, null, 2),
      rerunDecision(interrupted, "failure", 2),
    ],
    [
      { kind: "none", reason: "not interrupted" },
      { kind: "none", reason: "conclusion success, not failure" },
      { kind: "none", reason: "conclusion none, not failure" },
      { kind: "none", reason: "spot retries exhausted (2 of 2)" },
    ],
  );
});
