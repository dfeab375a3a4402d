/**
 * The accept line of edge/webhook/route.ts, in workerd with wrangler at
 * `--log-level log` (the harness's `warn` drops info lines): with
 * `LOG_ACCEPTED_WEBHOOKS=true` each stored webhook logs one JSON line with its
 * delivery id, correlation id, action and queue status; with `false` none is
 * written (waited for with a bound).
 */
import assert from "node:assert/strict";
import { coreKeyPair, type Edge, startEdge } from "../support/edge.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "webhook-log-secret";
const ACCEPTED = /^.*"msg":"webhook accepted".*$/gm;

/** The accept lines the edge printed so far, without their `time`. */
function acceptLines(edge: Edge): Record<string, unknown>[] {
  return [...edge.process.output().matchAll(ACCEPTED)].map((match) => {
    const line = JSON.parse(match[0].slice(match[0].indexOf("{")));
    delete line.time;
    return line;
  });
}

Deno.test("LOG_ACCEPTED_WEBHOOKS: one line per stored webhook when true, none when false", async () => {
  const keys = await coreKeyPair();
  let edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "webhook-log-session-secret-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    LOG_ACCEPTED_WEBHOOKS: "true",
  }, { logLevel: "log" });
  const post = async (jobId: number, deliveryId: string) => {
    const payload = await workflowJobPayload({ action: "queued", jobId });
    const response = await postWebhook(edge.url, payload, { secret: SECRET, deliveryId });
    return [response.status, (await response.json()).status];
  };
  try {
    assert.deepEqual(await post(31, "log-delivery-1"), [202, "queued"]);
    assert.deepEqual(await post(31, "log-delivery-2"), [200, "duplicate"]);
    await edge.process.waitForOutput(/"deliveryId":"log-delivery-2"/, 10_000);
    assert.deepEqual(acceptLines(edge), [
      {
        level: "info",
        msg: "webhook accepted",
        deliveryId: "log-delivery-1",
        correlationId: "job-31",
        action: "queued",
        status: "queued",
      },
      {
        level: "info",
        msg: "webhook accepted",
        deliveryId: "log-delivery-2",
        correlationId: "job-31",
        action: "queued",
        status: "duplicate",
      },
    ]);

    edge = await edge.restart({ LOG_ACCEPTED_WEBHOOKS: "false" });
    assert.deepEqual(await post(32, "log-delivery-3"), [202, "queued"]);
    // Nothing marks a line that is never written: wait for it with a bound.
    await assert.rejects(
      edge.process.waitForOutput(/"deliveryId":"log-delivery-3"/, 3_000),
      /timed out waiting/,
    );
    assert.deepEqual(acceptLines(edge), []);
  } finally {
    await edge.stop();
  }
});
