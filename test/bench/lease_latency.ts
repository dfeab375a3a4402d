/**
 * Queued → leased latency with a waiting core: a core holds a long-poll
 * `POST /core/v1/lease` open; one webhook is posted; the latency is from
 * sending the webhook to the lease response (with the event) arriving.
 * Webhooks go one at a time so each sample sees an idle edge and a parked core.
 */
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { corePost } from "../support/core_token.ts";
import { type BenchEdge, jobIdOf, signedQueuedWebhooks, startBenchEdge } from "./edge_fixture.ts";
import { type BenchOptions, type Figure, percentile, round } from "./figure.ts";
import type { PreparedRequest } from "./load.ts";

/** Time for a lease request to reach the queue object and park before the webhook is sent. */
const PARK_MS = 25;
const WARMUP_SAMPLES = 20;
const FIRST_JOB_ID = 2_000_000;

async function lease(bench: BenchEdge, waitMs: number): Promise<LeasedEvent[]> {
  const response = await corePost(bench.edge.url, bench.privateKeyPem, "/core/v1/lease", {
    max: 10,
    waitMs,
  });
  if (response.status !== 200) {
    throw new Error(`lease: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { events: LeasedEvent[] }).events;
}

async function ack(bench: BenchEdge, events: readonly LeasedEvent[]): Promise<void> {
  const leases = events.map(({ eventId, leaseId }) => ({ eventId, leaseId }));
  const response = await corePost(bench.edge.url, bench.privateKeyPem, "/core/v1/ack", { leases });
  await response.body?.cancel();
}

interface Sample {
  latencyMs: number;
  /** The waiting lease came back empty (timed out) and a second lease was needed. */
  isMissed: boolean;
  isLost: boolean;
}

/** Parks a lease, posts one webhook, and times until the lease hands its job back. */
async function sample(bench: BenchEdge, webhook: PreparedRequest, jobId: number): Promise<Sample> {
  const waiting = lease(bench, 25_000);
  await new Promise((resolve) => setTimeout(resolve, PARK_MS));
  const sentAt = performance.now();
  const accepted = fetch(`${bench.edge.url}${webhook.path}`, {
    method: "POST",
    headers: webhook.headers,
    body: webhook.body,
  });
  let events = await waiting;
  const latencyMs = performance.now() - sentAt;
  const response = await accepted;
  await response.body?.cancel();
  if (response.status !== 202) throw new Error(`webhook: ${response.status}`);
  const isMissed = events.length === 0;
  if (isMissed) events = await lease(bench, 0);
  if (events.length > 0) await ack(bench, events);
  const isLost = !events.some((event) => jobIdOf(event) === jobId);
  return { latencyMs, isMissed, isLost };
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const count = options.isQuick ? 100 : 500;
  const webhooks = await signedQueuedWebhooks(FIRST_JOB_ID, WARMUP_SAMPLES + count);
  const bench = await startBenchEdge();
  const samples: Sample[] = [];
  try {
    for (const [index, webhook] of webhooks.entries()) {
      const result = await sample(bench, webhook, FIRST_JOB_ID + index);
      if (index >= WARMUP_SAMPLES) samples.push(result);
    }
  } finally {
    await bench.close();
  }
  const latencies = samples.map((s) => s.latencyMs);
  return [
    {
      key: "lease.samples",
      label: "lease: webhooks, one at a time",
      value: count,
      unit: "webhooks",
    },
    {
      key: "lease.p50_ms",
      label: "lease: queued → leased p50",
      value: round(percentile(latencies, 50)),
      unit: "ms",
    },
    {
      key: "lease.p99_ms",
      label: "lease: queued → leased p99",
      value: round(percentile(latencies, 99)),
      unit: "ms",
    },
    {
      key: "lease.missed",
      label: "lease: waiting lease not woken",
      value: samples.filter((s) => s.isMissed).length,
      unit: "webhooks",
    },
    {
      key: "lease.lost",
      label: "lease: events never leased",
      value: samples.filter((s) => s.isLost).length,
      unit: "events",
      isCorrectness: true,
    },
  ];
}
