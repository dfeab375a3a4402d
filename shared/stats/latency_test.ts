import assert from "node:assert/strict";
import {
  LATENCY_BOUNDS_S,
  latencyBucketOf,
  latencyBucketSql,
  percentileOfHistogram,
} from "./latency.ts";

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

Deno.test("the roll-up's SQL buckets as latencyBucketOf does: one arm per bound in ms, the open bucket 30", () => {
  assert.equal(
    latencyBucketSql("ms"),
    "(CASE WHEN ms < 1000 THEN 0 WHEN ms < 2000 THEN 1 WHEN ms < 3000 THEN 2 WHEN ms < 5000 THEN 3 " +
      "WHEN ms < 7000 THEN 4 WHEN ms < 10000 THEN 5 WHEN ms < 15000 THEN 6 WHEN ms < 20000 THEN 7 " +
      "WHEN ms < 30000 THEN 8 WHEN ms < 45000 THEN 9 WHEN ms < 60000 THEN 10 " +
      "WHEN ms < 90000 THEN 11 WHEN ms < 120000 THEN 12 WHEN ms < 180000 THEN 13 " +
      "WHEN ms < 240000 THEN 14 WHEN ms < 300000 THEN 15 WHEN ms < 420000 THEN 16 " +
      "WHEN ms < 600000 THEN 17 WHEN ms < 900000 THEN 18 WHEN ms < 1200000 THEN 19 " +
      "WHEN ms < 1800000 THEN 20 WHEN ms < 2700000 THEN 21 WHEN ms < 3600000 THEN 22 " +
      "WHEN ms < 5400000 THEN 23 WHEN ms < 7200000 THEN 24 WHEN ms < 10800000 THEN 25 " +
      "WHEN ms < 14400000 THEN 26 WHEN ms < 21600000 THEN 27 WHEN ms < 43200000 THEN 28 " +
      "WHEN ms < 86400000 THEN 29 ELSE 30 END)",
  );
  // The expression is spliced in as given, in every arm.
  assert.equal(latencyBucketSql("(b - a)").split("(b - a) <").length - 1, 30);
});
