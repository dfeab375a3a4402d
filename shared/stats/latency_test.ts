import assert from "node:assert/strict";
import { LATENCY_BOUNDS_S, latencyBucketOf, percentileOfHistogram } from "./latency.ts";

Deno.test("latency buckets: bounds are upper-exclusive, the last bucket is open", () => {
  assert.equal(latencyBucketOf(0), 0);
  assert.equal(latencyBucketOf(999), 0);
  assert.equal(latencyBucketOf(1000), 1);
  assert.equal(latencyBucketOf(42_000), 9, "42 s is in [30 s, 45 s)");
  assert.equal(latencyBucketOf(86_400_000), LATENCY_BOUNDS_S.length);
});

Deno.test("percentiles of a histogram interpolate within the bucket", () => {
  const counts = new Array(LATENCY_BOUNDS_S.length + 1).fill(0);
  assert.equal(percentileOfHistogram(counts, 50), null, "empty");
  counts[latencyBucketOf(12_000)] = 10; // [10 s, 15 s)
  assert.equal(percentileOfHistogram(counts, 50), 12_500);
  assert.equal(percentileOfHistogram(counts, 100), 15_000);
  counts[latencyBucketOf(100_000_000)] = 90; // over a day
  assert.equal(percentileOfHistogram(counts, 5), 12_500, "rank 5 of the 10 in [10 s, 15 s)");
  assert.equal(percentileOfHistogram(counts, 95), 86_400_000, "open bucket: its lower bound");
});

Deno.test("percentiles in the first bucket start at 0; later ones count the jobs below", () => {
  const counts = new Array(LATENCY_BOUNDS_S.length + 1).fill(0);
  counts[0] = 2; // [0, 1 s)
  counts[latencyBucketOf(12_000)] = 2; // [10 s, 15 s)
  assert.deepEqual([25, 50, 75, 100].map((p) => percentileOfHistogram(counts, p)), [
    500,
    1_000,
    12_500,
    15_000,
  ]);
});
