/**
 * An HTTP load generator over keep-alive connections. Closed loop by default:
 * `concurrency` workers each send the next prepared request as soon as their
 * previous one is answered. With `perSecond` it is open loop, as webhooks
 * arrive: request i is due at start + i / perSecond, and its latency counts
 * from when it was due, so a backlog shows instead of hiding. Requests are
 * built before timing so the clock sees only the round trips.
 */
import { percentile } from "./figure.ts";

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** How many responses had each status, to tell a fast failure from a fast success. */
  statuses: Map<number, number>;
  /** The start of the first body seen for each status, to say why a request failed. */
  firstBodies: Map<number, string>;
}

/** POSTs every request to `baseUrl` with `concurrency` in flight at once. */
export async function runLoad(
  baseUrl: string,
  requests: readonly PreparedRequest[],
  options: { concurrency: number; perSecond?: number },
): Promise<LoadResult> {
  // One pool per run, sized to the concurrency, so every worker keeps its connection alive.
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: options.concurrency });
  const latencies = new Array<number>(requests.length);
  const statuses = new Map<number, number>();
  const firstBodies = new Map<number, string>();
  let next = 0;
  let startedAt = 0;
  const worker = async () => {
    for (let index = next++; index < requests.length; index = next++) {
      const { path, headers, body } = requests[index];
      let sentAt = performance.now();
      if (options.perSecond !== undefined) {
        const dueAt = startedAt + (index * 1000) / options.perSecond;
        if (dueAt > sentAt) await new Promise((resolve) => setTimeout(resolve, dueAt - sentAt));
        sentAt = dueAt;
      }
      // Typed through a variable: deno.json's "dom" lib declares fetch without Deno's `client`.
      const init: RequestInit & { client: Deno.HttpClient } = {
        method: "POST",
        headers,
        body,
        client,
      };
      const response = await fetch(`${baseUrl}${path}`, init);
      const text = await response.text();
      latencies[index] = performance.now() - sentAt;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (!firstBodies.has(response.status)) firstBodies.set(response.status, text.slice(0, 300));
    }
  };
  startedAt = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    client.close();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    count: requests.length,
    seconds,
    perSecond: requests.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
    firstBodies,
  };
}

/** Throws unless every response had one of `expected` statuses. */
export function assertStatuses(what: string, result: LoadResult, expected: readonly number[]) {
  const unexpected = [...result.statuses].filter(([status]) => !expected.includes(status));
  if (unexpected.length > 0) {
    const counts = unexpected
      .map(([status, n]) => `${n}× ${status} (first: ${result.firstBodies.get(status)})`)
      .join(", ");
    throw new Error(`${what}: unexpected responses ${counts} (expected ${expected.join("/")})`);
  }
}
