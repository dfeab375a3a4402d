import assert from "node:assert/strict";
import {
  batchKeyOf,
  clientTokenOf,
  DEFAULT_RETRY_SCHEDULE,
  exclusionOf,
  parseClientToken,
  placementsOf,
  remainingPlacements,
  retryDelayMs,
} from "./batch.ts";

Deno.test("a pinned job batches apart from the pool's other jobs", () => {
  const plain = batchKeyOf({ poolId: "p1", repo: "o/r" });
  assert.equal(batchKeyOf({ poolId: "p1", repo: "o/r" }), plain);
  assert.notEqual(batchKeyOf({ poolId: "p1", repo: "o/r", pin: "42" }), plain);
  assert.notEqual(batchKeyOf({ poolId: "p1", repo: "o/other" }), plain);
  assert.notEqual(batchKeyOf({ poolId: "p1", repo: "o/r", isForcedOnDemand: true }), plain);
});

Deno.test("a batch of one carries its job id in the client token", () => {
  const token = clientTokenOf([{ id: "9000001", attempt: 1 }], { issuedAt: 1_700_000_000_000 });
  assert.ok(token.includes("9000001-1"), token);
  assert.deepEqual(parseClientToken(token), {
    issuedAt: 1_700_000_000_000,
    count: 1,
    excluded: 0n,
    tail: "9000001-1",
  });
});

Deno.test("a batch's token depends on its jobs, not their order, and fits EC2's 64 chars", () => {
  const jobs = Array.from(
    { length: 500 },
    (_, i) => ({ id: String(10_000_000_000 + i), attempt: 1 }),
  );
  const a = clientTokenOf(jobs, { issuedAt: 1, excluded: 0b101n });
  assert.equal(clientTokenOf(jobs.toReversed(), { issuedAt: 1, excluded: 0b101n }), a);
  assert.notEqual(clientTokenOf(jobs.slice(1), { issuedAt: 1, excluded: 0b101n }), a);
  assert.ok(a.length <= 64);
  const parsed = parseClientToken(a);
  assert.equal(parsed?.count, 500);
  assert.equal(parsed?.excluded, 0b101n);
  assert.equal(parseClientToken("gantry-77-1"), null);
});

Deno.test("failed placements are left out of the retry, until none would be left", () => {
  const all = placementsOf(["m5.large", "m5.xlarge"], ["subnet-a", "subnet-b"]);
  assert.equal(all.length, 4);
  const mask = exclusionOf(all, [{ size: "m5.large", slot: "subnet-a" }, { size: "m5.xlarge" }]);
  assert.deepEqual(remainingPlacements(all, mask), [
    { size: "m5.large", slot: "subnet-b", priority: 0 },
  ]);
  assert.equal(exclusionOf(all, [{}]), 0n, "everything failed: try everything again");
});

Deno.test("retry delays follow 30/60/120/240/300 s with jitter", () => {
  const schedule = { delaysMs: [30_000, 60_000, 120_000, 240_000, 300_000], jitter: 0.2 };
  assert.equal(retryDelayMs(1, schedule, 0.5), 30_000);
  assert.equal(retryDelayMs(4, schedule, 0.5), 240_000);
  assert.equal(retryDelayMs(9, schedule, 0.5), 300_000);
  assert.equal(retryDelayMs(2, schedule, 0), 48_000);
  assert.equal(retryDelayMs(2, schedule, 0.999999), 72_000);
});

Deno.test("batch keys, tokens and the retry schedule, as literal values", () => {
  assert.deepEqual(
    [
      batchKeyOf({ poolId: "p1", repo: "o/r" }),
      batchKeyOf({ poolId: "p1", repo: "o/r", pin: "42" }),
      batchKeyOf({ poolId: "p1", repo: "o/r", isForcedOnDemand: true }),
      batchKeyOf({ poolId: "p1", repo: "o/r", isForcedOnDemand: false }),
    ],
    ["p1|o/r||", "p1|o/r|42|", "p1|o/r||od", "p1|o/r||"],
  );
  assert.equal(
    clientTokenOf([{ id: "9000001", attempt: 1 }], { issuedAt: 1_700_000_000_000 }),
    "gloyw3v28-1-0-9000001-1",
  );
  // Two or more jobs: a 64-bit FNV-1a of "1:1,2:2" (the sorted ids with attempts).
  assert.equal(
    clientTokenOf([{ id: "2", attempt: 2 }, { id: "1", attempt: 1 }], { issuedAt: 1 }),
    "g1-2-0-38d3680fe313640a",
  );
  assert.deepEqual(DEFAULT_RETRY_SCHEDULE, {
    delaysMs: [30_000, 60_000, 120_000, 240_000, 300_000],
    jitter: 0.2,
  });
});

Deno.test("a batch hash keeps its leading zeros: both halves are 8 hex digits", () => {
  // FNV-1a of "1:1,29:1" is 0x0350afa3 and 0x00a764af: unpadded it would be 14 digits.
  assert.equal(
    clientTokenOf([{ id: "29", attempt: 1 }, { id: "1", attempt: 1 }], { issuedAt: 1 }),
    "g1-2-0-0350afa300a764af",
  );
});

Deno.test("a client token is at most 64 characters: at the limit made, one over refused", () => {
  // "g1-1-0-" + id + "-1" is 9 characters around the id.
  const at = clientTokenOf([{ id: "9".repeat(55), attempt: 1 }], { issuedAt: 1 });
  assert.equal(at.length, 64);
  assert.throws(
    () => clientTokenOf([{ id: "9".repeat(56), attempt: 1 }], { issuedAt: 1 }),
    { name: "RangeError", message: `client token too long (65): g1-1-0-${"9".repeat(56)}-1` },
  );
  assert.throws(() => clientTokenOf([], { issuedAt: 1 }), {
    name: "RangeError",
    message: "a batch has at least one job",
  });
});

Deno.test("only a whole token parses; a multi-digit exclusion mask round-trips", () => {
  assert.equal(parseClientToken("xg1-1-0-a"), null);
  assert.equal(parseClientToken("g1-1-0-a!"), null);
  assert.deepEqual(parseClientToken("g1-1-ff-a"), {
    issuedAt: 1,
    count: 1,
    excluded: 255n,
    tail: "a",
  });
});

Deno.test("a placement failed on a slot alone leaves that slot out for every size", () => {
  const all = placementsOf(["m5.large", "m5.xlarge"], ["subnet-a", "subnet-b"]);
  assert.deepEqual(remainingPlacements(all, exclusionOf(all, [{ slot: "subnet-a" }])), [
    { size: "m5.large", slot: "subnet-b", priority: 0 },
    { size: "m5.xlarge", slot: "subnet-b", priority: 1 },
  ]);
});
