/**
 * Edge ingest: 10,000 signed `workflow_job` webhooks against the edge in
 * workerd, then the same load against the baseline Worker (raw body → one
 * row), so the ratio shows what verification, parsing and dedupe cost on top
 * of the runtime's floor. Afterwards every event is leased back: exactly one
 * per webhook, none lost, none twice.
 */
import {
  type BenchEdge,
  drainJobIds,
  signedQueuedWebhooks,
  startBenchEdge,
} from "./edge_fixture.ts";
import type { BenchOptions, Figure } from "./figure.ts";
import { round } from "./figure.ts";
import { assertStatuses, type PreparedRequest, runLoad } from "./load.ts";

const BASELINE_CONFIG = "test/bench/baseline/wrangler.toml";
/** Requests in flight at once. On 2 cores 32 … 64 all saturate workerd; see the sweep in the report. */
const CONCURRENCY = 48;
const FIRST_JOB_ID = 1_000_000;
/** Jobs of the steady-rate run sit above every saturation id. */
const FIRST_STEADY_JOB_ID = 2_000_000;
/** A busy organisation's webhook rate, well below saturation: what accept latency GitHub sees. */
const STEADY_PER_S = 200;

/** Warms the isolate, the JIT and the SQLite pages so the timed run sees a steady state. */
async function warmUp(bench: BenchEdge, warmup: readonly PreparedRequest[]): Promise<void> {
  const result = await runLoad(bench.edge.url, warmup, { concurrency: CONCURRENCY });
  assertStatuses("warm-up", result, [202]);
}

/** Leases beyond one per webhook (or for a job never sent) are duplicates; jobs never leased are lost. */
function countDelivery(expected: readonly number[], leased: readonly number[]) {
  const wanted = new Set(expected);
  const seen = new Set<number>();
  let duplicates = 0;
  for (const jobId of leased) {
    if (!wanted.has(jobId) || seen.has(jobId)) duplicates++;
    seen.add(jobId);
  }
  const lost = expected.filter((jobId) => !seen.has(jobId)).length;
  return { duplicates, lost };
}

async function ingestOnEdge(
  warmup: PreparedRequest[],
  measured: PreparedRequest[],
  steady: PreparedRequest[],
) {
  const bench = await startBenchEdge();
  try {
    await warmUp(bench, warmup);
    await drainJobIds(bench); // the warm-up events are not part of the count
    const result = await runLoad(bench.edge.url, measured, { concurrency: CONCURRENCY });
    assertStatuses("edge ingest", result, [202]);
    const steadyResult = await runLoad(bench.edge.url, steady, {
      concurrency: CONCURRENCY,
      perSecond: STEADY_PER_S,
    });
    assertStatuses("edge ingest at a steady rate", steadyResult, [202]);
    const leased = await drainJobIds(bench);
    const expected = [
      ...measured.map((_, i) => FIRST_JOB_ID + i),
      ...steady.map((_, i) => FIRST_STEADY_JOB_ID + i),
    ];
    return { result, steadyResult, ...countDelivery(expected, leased) };
  } finally {
    await bench.close();
  }
}

async function ingestOnBaseline(warmup: PreparedRequest[], measured: PreparedRequest[]) {
  const bench = await startBenchEdge({ config: BASELINE_CONFIG });
  try {
    await warmUp(bench, warmup);
    const result = await runLoad(bench.edge.url, measured, { concurrency: CONCURRENCY });
    assertStatuses("baseline ingest", result, [202]);
    // A baseline that drops writes would flatter the ratio; check it stored every body.
    const { rows } = await (await fetch(`${bench.edge.url}/rows`)).json() as { rows: number };
    if (rows !== warmup.length + measured.length) {
      throw new Error(`baseline stored ${rows} rows, expected ${warmup.length + measured.length}`);
    }
    return result;
  } finally {
    await bench.close();
  }
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const total = options.isQuick ? 1_000 : 10_000;
  const warmupCount = options.isQuick ? 200 : 1_000;
  // Sign everything before any clock starts; warm-up ids sit below the measured ones.
  const warmup = await signedQueuedWebhooks(FIRST_JOB_ID - warmupCount, warmupCount);
  const measured = await signedQueuedWebhooks(FIRST_JOB_ID, total);
  const steady = await signedQueuedWebhooks(FIRST_STEADY_JOB_ID, options.isQuick ? 400 : 2_000);

  const edge = await ingestOnEdge(warmup, measured, steady);
  const baseline = await ingestOnBaseline(warmup, measured);
  const ms = (value: number) => round(value, 2);
  return [
    { key: "ingest.count", label: "ingest: webhooks sent", value: total, unit: "webhooks" },
    {
      key: "ingest.concurrency",
      label: "ingest: connections",
      value: CONCURRENCY,
      unit: "connections",
    },
    {
      key: "ingest.per_s",
      label: "ingest: throughput",
      value: round(edge.result.perSecond, 0),
      unit: "webhooks/s",
    },
    { key: "ingest.p50_ms", label: "ingest: accept p50", value: ms(edge.result.p50Ms), unit: "ms" },
    { key: "ingest.p99_ms", label: "ingest: accept p99", value: ms(edge.result.p99Ms), unit: "ms" },
    {
      key: "ingest.steady_p50_ms",
      label: `ingest: accept p50 at ${STEADY_PER_S}/s`,
      value: ms(edge.steadyResult.p50Ms),
      unit: "ms",
    },
    {
      key: "ingest.steady_p99_ms",
      label: `ingest: accept p99 at ${STEADY_PER_S}/s`,
      value: ms(edge.steadyResult.p99Ms),
      unit: "ms",
    },
    {
      key: "ingest.baseline_per_s",
      label: "ingest: baseline throughput",
      value: round(baseline.perSecond, 0),
      unit: "webhooks/s",
    },
    {
      key: "ingest.baseline_p50_ms",
      label: "ingest: baseline accept p50",
      value: ms(baseline.p50Ms),
      unit: "ms",
    },
    {
      key: "ingest.baseline_p99_ms",
      label: "ingest: baseline accept p99",
      value: ms(baseline.p99Ms),
      unit: "ms",
    },
    {
      key: "ingest.ratio_to_baseline",
      label: "ingest: throughput ÷ baseline",
      value: round(edge.result.perSecond / baseline.perSecond, 2),
      unit: "ratio",
    },
    {
      key: "ingest.duplicates",
      label: "ingest: events leased twice",
      value: edge.duplicates,
      unit: "events",
      isCorrectness: true,
    },
    {
      key: "ingest.lost",
      label: "ingest: events never leased",
      value: edge.lost,
      unit: "events",
      isCorrectness: true,
    },
  ];
}
