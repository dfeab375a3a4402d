/**
 * The edge as the benchmarks drive it: a workerd process with a throwaway
 * state directory, pre-signed `queued` webhooks, and a drain that leases
 * everything back to count what the queue holds.
 */
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { leaseAll } from "../support/core_token.ts";
import { coreKeyPair, type Edge, startEdge } from "../support/edge.ts";
import { signBody, workflowJobPayload } from "../support/webhooks.ts";
import type { PreparedRequest } from "./load.ts";

export const WEBHOOK_SECRET = "bench-webhook-secret";

export interface BenchEdge {
  edge: Edge;
  /** The core key the edge trusts, for leasing. */
  privateKeyPem: string;
  /** Stops workerd and deletes its state. */
  close(): Promise<void>;
}

/** Starts a Worker in workerd on a free port: the edge, or another config such as the baseline. */
export async function startBenchEdge(options: { config?: string } = {}): Promise<BenchEdge> {
  const keys = await coreKeyPair("core-bench");
  const stateDir = await Deno.makeTempDir({ prefix: "gantry-bench-" });
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "bench-session-secret-0123456789abcdef",
    // The console API is not exercised; nothing listens here.
    LIBSQL_URL: "http://127.0.0.1:9",
  }, { config: options.config, stateDir });
  return {
    edge,
    privateKeyPem: keys.privateKeyPem,
    close: async () => {
      await edge.stop();
      await Deno.remove(stateDir, { recursive: true });
    },
  };
}

/**
 * `count` signed `workflow_job` queued webhooks for job ids `firstJobId…`,
 * each with its own delivery id, ready to send as GitHub would.
 */
export async function signedQueuedWebhooks(
  firstJobId: number,
  count: number,
): Promise<PreparedRequest[]> {
  const encoder = new TextEncoder();
  const requests: PreparedRequest[] = [];
  for (let jobId = firstJobId; jobId < firstJobId + count; jobId++) {
    const body = JSON.stringify(await workflowJobPayload({ action: "queued", jobId }));
    requests.push({
      path: "/webhook",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await signBody(body, WEBHOOK_SECRET),
        "user-agent": "GitHub-Hookshot/bench",
      },
      body: encoder.encode(body),
    });
  }
  return requests;
}

/** The GitHub job id a leased event is about; -1 for events that are not workflow jobs. */
export function jobIdOf(event: LeasedEvent): number {
  return event.message.type === "workflow_job" ? event.message.job.githubJobId : -1;
}

/** Leases and acks every ready event; returns the GitHub job id of each, in lease order. */
export async function drainJobIds(bench: BenchEdge): Promise<number[]> {
  const jobIds: number[] = [];
  for (;;) {
    const events = await leaseAll(bench.edge.url, bench.privateKeyPem);
    if (events.length === 0) return jobIds;
    jobIds.push(...events.map(jobIdOf));
  }
}
