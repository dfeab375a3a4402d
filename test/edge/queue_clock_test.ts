/**
 * The queue object (edge/queue/job_queue.ts) on the edge's pinned clock
 * (`CLOCK_FIXED_AT`, stepped by restarting the edge on the same Durable
 * Object state), in workerd: the prune alarm forgets a dedupe key older than
 * 7 days (by a millisecond), and keeps one exactly 7 days old or younger; a
 * first delivery's lease latency exactly on a bucket bound lands in it;
 * the first enqueue arms the alarm an hour ahead (on the wall clock, as
 * workerd fires it), the next does not move it, and each prune re-arms it.
 * The alarm is run through test/support/queue_alarm/worker.ts: workerd would
 * fire it an hour later.
 */
import assert from "node:assert/strict";
import { coreKeyPair, type Edge, startEdge, testWorkerConfig } from "../support/edge.ts";
import { jobActionOf, queueClient } from "../support/queue_client.ts";
import { QUEUE_ALARM_PATH } from "../support/queue_alarm/path.ts";

const SECRET = "queue-clock-secret";
const METRICS_TOKEN = "queue-clock-metrics";
const T0 = Date.parse("2026-06-10T09:00:00.000Z");
const DAYS_7 = 7 * 24 * 3600_000;
const HOUR = 3600_000;
const at = (ms: number) => ({ CLOCK_FIXED_AT: new Date(T0 + ms).toISOString() });

/** The prune alarm's due time; with `run`, after running it. */
async function alarmOf(edge: Edge, run = false): Promise<number | null> {
  const response = await fetch(`${edge.url}${QUEUE_ALARM_PATH}`, {
    method: run ? "POST" : "GET",
  });
  assert.equal(response.status, 200);
  return (await response.json()).alarmAt;
}

Deno.test("seen keys are pruned past 7 days on the pinned clock; lease latency on a bucket bound", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "gantry-queue-clock-" });
  const keys = await coreKeyPair();
  let edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "queue-clock-session-secret-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN,
    ...at(0),
  }, {
    config: await testWorkerConfig("test/support/queue_alarm/worker.ts", {
      dir,
      name: "queue-clock",
      paths: [QUEUE_ALARM_PATH],
    }),
  });
  // The edge keeps its port over restarts.
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  const post = (jobId: number) =>
    queue.webhook({ action: "queued", jobId }, {
      deliveryId: `delivery-${jobId}`,
    });
  try {
    await t.step(
      "at T0: the first enqueue arms the alarm an hour ahead, the next keeps it",
      async () => {
        assert.equal(await alarmOf(edge), null);
        const before = Date.now();
        assert.deepEqual(await post(1), [202, "queued"]);
        const after = Date.now();
        // Read on the object named "primary": shard 0 keeps that name (edge/queue/queue_of.ts),
        // so a deployment that grows from one shard keeps what it buffered.
        const armed = await alarmOf(edge);
        assert.ok(
          armed !== null && armed >= before + HOUR && armed <= after + HOUR,
          `alarm at ${armed}, enqueued in [${before}, ${after}]`,
        );
        // Past the millisecond it was armed in, so re-arming would show.
        while (Date.now() <= armed - HOUR) await new Promise((resolve) => setTimeout(resolve, 1));
        assert.deepEqual(await post(4), [202, "queued"]);
        assert.equal(await alarmOf(edge), armed);
      },
    );

    await t.step("at T0 + 1 ms: a third job", async () => {
      edge = await edge.restart(at(1));
      assert.deepEqual(await post(2), [202, "queued"]);
    });

    await t.step(
      "at T0 + 5 ms: first leases 5, 5, 4 and 0 ms after their enqueue, all in le=5",
      async () => {
        edge = await edge.restart(at(5));
        assert.deepEqual(await post(3), [202, "queued"]);
        const { events } = await queue.lease({ max: 10, waitMs: 0 });
        assert.deepEqual(
          events.map((e) => [jobActionOf(e), e.enqueuedAt - T0]),
          [["1:queued", 0], ["4:queued", 0], ["2:queued", 1], ["3:queued", 5]],
        );
        const metrics = await queue.metrics();
        const bucket = (le: string) => metrics[`gantry_lease_latency_ms_bucket{le="${le}"}`];
        assert.deepEqual(["5", "10", "+Inf"].map(bucket), [4, 4, 4]);
        assert.equal(metrics["gantry_lease_latency_ms_sum"], 14);
        assert.equal(await queue.ack(events), 4);
      },
    );

    await t.step(
      "at T0 + 7 days + 1 ms: the prune forgets keys 7 days + 1 ms old, keeps 7 days and 7 days - 4 ms",
      async () => {
        edge = await edge.restart(at(DAYS_7 + 1));
        // Not forgotten until the alarm prunes.
        assert.deepEqual(await post(1), [200, "duplicate"]);
        const before = Date.now();
        const rearmed = await alarmOf(edge, true);
        const after = Date.now();
        assert.ok(
          rearmed !== null && rearmed >= before + HOUR && rearmed <= after + HOUR,
          `alarm at ${rearmed}, pruned in [${before}, ${after}]`,
        );
        assert.deepEqual(
          [await post(1), await post(4), await post(2), await post(3)],
          [[202, "queued"], [202, "queued"], [200, "duplicate"], [200, "duplicate"]],
        );
      },
    );
  } finally {
    await edge.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
