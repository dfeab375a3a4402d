/**
 * A webhook the job queue cannot store (edge/webhook/route.ts), in a fresh
 * workerd whose queue object fails for one job
 * (test/support/failing_queue/worker.ts): GitHub hears 503 with a reason and
 * a Retry-After, not 2xx, so the delivery shows failed and can be redelivered;
 * the failure is logged and counted as a refusal; other jobs are still stored.
 */
import assert from "node:assert/strict";
import { coreKeyPair, startEdge, testWorkerConfig } from "../support/edge.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "webhook-queue-down-secret";
const METRICS_TOKEN = "webhook-queue-down-metrics";
/** UNSTORABLE_JOB_ID in the test worker. */
const UNSTORABLE_JOB_ID = 13;
// wrangler wraps an error line in colour codes: take the JSON object alone.
const NOT_STORED = /\{[^{}\n]*"msg":"webhook not stored: the job queue failed"[^{}\n]*\}/g;

Deno.test("a webhook the queue cannot store is a 503 with a reason, logged and counted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gantry-queue-down-" });
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "webhook-queue-down-session-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN,
  }, {
    config: await testWorkerConfig("test/support/failing_queue/worker.ts", {
      dir,
      name: "queue-down",
      paths: [],
    }),
  });
  try {
    const lost = await postWebhook(
      edge.url,
      await workflowJobPayload({ action: "queued", jobId: UNSTORABLE_JOB_ID }),
      { secret: SECRET, deliveryId: "delivery-unstored" },
    );
    assert.deepEqual([lost.status, lost.headers.get("retry-after"), await lost.json()], [
      503,
      "5",
      {
        error: {
          code: "unavailable",
          message: "the job queue did not store this delivery, so it was not accepted; " +
            "redeliver it",
        },
      },
    ]);
    await edge.process.waitForOutput(/webhook not stored: the job queue failed/, 10_000);
    const lines = [...edge.process.output().matchAll(NOT_STORED)].map((match) => {
      const line = JSON.parse(match[0]);
      delete line.time;
      return line;
    });
    assert.equal(lines.length, 1);
    assert.deepEqual(
      [lines[0].level, lines[0].deliveryId, lines[0].error],
      ["error", "delivery-unstored", "Error: storage is out of order"],
    );

    const stored = await postWebhook(
      edge.url,
      await workflowJobPayload({ action: "queued", jobId: UNSTORABLE_JOB_ID + 1 }),
      { secret: SECRET },
    );
    assert.deepEqual([stored.status, await stored.json()], [202, { status: "queued" }]);

    const metrics = await fetch(`${edge.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const text = await metrics.text();
    assert.deepEqual(
      text.split("\n").filter((line) => line.startsWith("gantry_webhooks_total{")),
      [
        'gantry_webhooks_total{outcome="accepted"} 1',
        'gantry_webhooks_total{outcome="rejected",reason="unavailable"} 1',
      ],
    );
  } finally {
    await edge.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
