import assert from "node:assert/strict";
import { ClientTokenBackoff, JobBackoff, PlacementExclusions } from "./launch_backoff.ts";

Deno.test("a job that got no machine waits its delay, counting failures and unknown codes", () => {
  const backoff = new JobBackoff();
  const asked: number[] = [];
  const delayOf = (failures: number) => {
    asked.push(failures);
    return failures * 1_000;
  };
  assert.equal(backoff.mayRetry("j1", 0), true);
  assert.equal(backoff.failed("j1", { at: 10_000, isUnknown: false, delayOf }), 1_000);
  assert.equal(backoff.mayRetry("j1", 10_999), false);
  assert.equal(backoff.mayRetry("j1", 11_000), true);
  assert.equal(backoff.failed("j1", { at: 20_000, isUnknown: true, delayOf }), 2_000);
  assert.equal(backoff.failed("j2", { at: 20_000, isUnknown: true, delayOf }), 1_000);
  assert.equal(backoff.failed("j2", { at: 20_000, isUnknown: true, delayOf }), 2_000);
  assert.deepEqual(asked, [1, 2, 1, 2]);
  assert.equal(backoff.unknownRetriesOf(["j1", "j2"]), 2);
  assert.equal(backoff.unknownRetriesOf(["j3"]), 0);
  backoff.forget("j2");
  assert.equal(backoff.unknownRetriesOf(["j2"]), 0);
  assert.equal(backoff.mayRetry("j2", 20_000), true);
});

Deno.test("a client token counts its tries apart from the jobs it carries", () => {
  const tokens = new ClientTokenBackoff();
  const jobs = new JobBackoff();
  assert.equal(tokens.triesOf("b-1"), 1);
  tokens.record("b-1", 1);
  assert.equal(tokens.triesOf("b-1"), 2);
  tokens.record("b-1", 2);
  assert.equal(tokens.triesOf("b-1"), 3);
  // A job named like the token is another thing: its backoff is untouched.
  assert.equal(jobs.mayRetry("b-1", 0), true);
  tokens.forget("b-1");
  assert.equal(tokens.triesOf("b-1"), 1);
});

Deno.test("placements left out hold until their time, and not once the pool's placements shrink", () => {
  const exclusions = new PlacementExclusions();
  assert.equal(exclusions.maskOf("k", { placements: 4, at: 0 }), 0n);
  exclusions.exclude("k", 0b0101n, 60_000);
  assert.equal(exclusions.maskOf("k", { placements: 4, at: 59_999 }), 0b0101n);
  assert.equal(exclusions.maskOf("k", { placements: 4, at: 60_000 }), 0n);
  // Two placements left: a mask naming the third is stale.
  assert.equal(exclusions.maskOf("k", { placements: 2, at: 0 }), 0n);
  assert.equal(exclusions.maskOf("other", { placements: 4, at: 0 }), 0n);
  exclusions.forget("k");
  assert.equal(exclusions.maskOf("k", { placements: 4, at: 0 }), 0n);
});
