/**
 * Queue-to-start latency as a histogram: fixed buckets, so daily roll-ups
 * add up across days and pools, and p50/p95 come out to within a bucket.
 *
 * @module
 */

/**
 * Upper bounds of the buckets, in seconds; bucket `i` holds latencies in
 * `[BOUNDS[i-1], BOUNDS[i])`, the last bucket everything from a day on.
 * Roughly 1.5× apart: a percentile is off by at most half a bucket.
 * Changing them needs a new roll-up migration.
 */
export const LATENCY_BOUNDS_S: readonly number[] = [
  1,
  2,
  3,
  5,
  7,
  10,
  15,
  20,
  30,
  45,
  60,
  90,
  120,
  180,
  240,
  300,
  420,
  600,
  900,
  1200,
  1800,
  2700,
  3600,
  5400,
  7200,
  10800,
  14400,
  21600,
  43200,
  86400,
];

/** The bucket a latency of `ms` falls in. */
export function latencyBucketOf(ms: number): number {
  const index = LATENCY_BOUNDS_S.findIndex((bound) => ms < bound * 1000);
  return index < 0 ? LATENCY_BOUNDS_S.length : index;
}

/** SQL that computes {@link latencyBucketOf} for the millisecond expression `ms`. */
export function latencyBucketSql(ms: string): string {
  const arms = LATENCY_BOUNDS_S.map((bound, i) => `WHEN ${ms} < ${bound * 1000} THEN ${i}`);
  return `(CASE ${arms.join(" ")} ELSE ${LATENCY_BOUNDS_S.length} END)`;
}

/** The `p`-th percentile (0–100) of a histogram `counts[bucket]`, in ms, interpolated within its bucket; null when empty. */
export function percentileOfHistogram(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [bucket, n] of counts.entries()) {
    if (n === 0 || seen + n < rank) {
      seen += n;
      continue;
    }
    const lower = bucket === 0 ? 0 : LATENCY_BOUNDS_S[bucket - 1] * 1000;
    const upper = LATENCY_BOUNDS_S[bucket];
    // The open last bucket reports its lower bound: "at least a day".
    if (upper === undefined) return lower;
    return lower + ((rank - seen) / n) * (upper * 1000 - lower);
  }
  return null;
}
