import assert from "node:assert/strict";
import { isForcedOnDemand, rerunDecision } from "./spot_retry.ts";

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
