/**
 * Webhook refusals on /metrics (edge/webhook/route.ts's counter middleware
 * and edge/webhook/rejection_counter.ts), in a fresh workerd: the counter
 * lives in the isolate's module state, so this test never shares an edge.
 * Each refusal is counted once under its error code, an accepted webhook is
 * not a refusal, the first refusal of a quiet isolate reaches /metrics at
 * once, and later ones together after the flush interval.
 */
import assert from "node:assert/strict";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { postWebhook, signBody, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "webhook-refusals-secret";
const METRICS_TOKEN = "webhook-refusals-metrics";

Deno.test("webhook refusals are counted by reason: the first at once, the rest in one flush", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "webhook-refusals-session-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN,
    WEBHOOK_MAX_BYTES: "32768",
  });
  /** The refusal counters /metrics shows, by reason. */
  const refusals = async () => {
    const response = await fetch(`${edge.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(response.status, 200);
    const counts: Record<string, number> = {};
    for (
      const match of (await response.text()).matchAll(
        /^gantry_webhooks_total\{outcome="rejected",reason="([^"]+)"\} (\d+)$/gm,
      )
    ) {
      counts[match[1]] = Number(match[2]);
    }
    return counts;
  };
  /** Polls /metrics until the counts equal `expected`, for at most `withinMs`. */
  const waitFor = async (expected: Record<string, number>, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    let counts = await refusals();
    while (JSON.stringify(counts) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      counts = await refusals();
    }
    assert.deepEqual(counts, expected);
  };
  const status = async (response: Promise<Response>) => {
    const answered = await response;
    await answered.body?.cancel();
    return answered.status;
  };
  const queued = (jobId: number) => workflowJobPayload({ action: "queued", jobId });
  try {
    assert.deepEqual(await refusals(), {});
    assert.equal(await status(postWebhook(edge.url, await queued(1), { secret: SECRET })), 202);
    assert.equal(await status(postWebhook(edge.url, await queued(2), { secret: "forged" })), 401);
    // The first refusal of a quiet isolate is flushed at once (well within the 10 s interval).
    await waitFor({ unauthorized: 1 }, 5_000);

    const raw = async (body: string, headers: Record<string, string>) =>
      await status(fetch(`${edge.url}/webhook`, {
        method: "POST",
        body,
        headers: {
          "x-github-event": "workflow_job",
          "x-hub-signature-256": await signBody(body, SECRET),
          ...headers,
        },
      }));
    const large = await queued(3);
    (large.workflow_job as Record<string, unknown>).name = "x".repeat(40_000);
    assert.deepEqual(
      [
        await status(postWebhook(edge.url, await queued(4), { secret: "forged" })),
        await status(postWebhook(edge.url, await queued(5), { secret: SECRET, signature: null })),
        await status(postWebhook(edge.url, large, { secret: SECRET })),
        await raw("{not json", { "content-type": "application/json", "x-github-delivery": "r-1" }),
        await raw("{}", { "content-type": "text/plain", "x-github-delivery": "r-2" }),
        await raw("{}", { "content-type": "application/json" }),
        await status(postWebhook(edge.url, await queued(6), { secret: SECRET })),
      ],
      [401, 401, 413, 400, 415, 400, 202],
    );
    // Counted in the isolate: nothing more reaches /metrics before the interval is out.
    assert.deepEqual(await refusals(), { unauthorized: 1 });
    await waitFor({ invalid: 2, too_large: 1, unauthorized: 3, unsupported_media_type: 1 }, 15_000);
  } finally {
    await edge.stop();
  }
});
