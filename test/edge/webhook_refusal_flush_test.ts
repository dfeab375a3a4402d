/**
 * A refusal count the queue object cannot take (edge/webhook/rejection_counter.ts),
 * in a fresh workerd whose queue object refuses those counts
 * (test/support/failing_counts/worker.ts): the refusal is still answered, the
 * lost count is logged once as a warning naming the error's class (never its
 * message), and /metrics shows no count.
 */
import assert from "node:assert/strict";
import { coreKeyPair, startEdge, testWorkerConfig } from "../support/edge.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "webhook-refusal-flush-secret";
const METRICS_TOKEN = "webhook-refusal-flush-metrics";
// wrangler wraps a warning in colour codes: take the JSON object alone.
const NOT_FLUSHED = /\{[^{}\n]*"msg":"webhook rejection counts not flushed"[^{}\n]*\}/g;

Deno.test("a refusal count the queue cannot take is logged as a warning, not failed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gantry-refusal-flush-" });
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "webhook-refusal-flush-session-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN,
  }, {
    config: await testWorkerConfig("test/support/failing_counts/worker.ts", {
      dir,
      name: "refusal-flush",
      paths: [],
    }),
  });
  try {
    const payload = await workflowJobPayload({ action: "queued", jobId: 1 });
    const forged = await postWebhook(edge.url, payload, { secret: "not-the-secret" });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    await edge.process.waitForOutput(/webhook rejection counts not flushed/, 10_000);
    const lines = [...edge.process.output().matchAll(NOT_FLUSHED)].map((match) => {
      const line = JSON.parse(match[0]);
      delete line.time;
      return line;
    });
    assert.deepEqual(lines, [
      { level: "warn", msg: "webhook rejection counts not flushed", error: "Error" },
    ]);
    const metrics = await fetch(`${edge.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(await metrics.text(), /outcome="rejected"/);
  } finally {
    await edge.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
