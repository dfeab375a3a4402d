/**
 * The queue Durable Object (edge/queue/job_queue.ts) through the routes that
 * use it, in workerd, one shard: dedupe per delivery and per job and action,
 * FIFO leases capped at `max`, acks and nacks that need the live lease,
 * delays, lease expiry, long-polls woken by a webhook or a nack, the tenth
 * delivery as the last, dead letters listed and requeued (audited), and the
 * counters /metrics shows. Fast enough to run per mutant (`deno task mutate`).
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { operatorToken, testOperatorId } from "../support/operator.ts";
import { jobActionOf, queueClient } from "../support/queue_client.ts";
import { edgeForRun } from "../support/shared_edge.ts";

const SECRET = "queue-object-secret";
const SESSION = "queue-object-session-secret-0123456789";
const METRICS_TOKEN = "queue-object-metrics";

const QUEUE_GAUGES = [
  "gantry_queue_ready",
  "gantry_queue_leased",
  "gantry_queue_delayed",
  "gantry_queue_dead_letters",
];

Deno.test("the queue object in workerd", async (t) => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: SECRET,
    SESSION_SECRET: SESSION,
    METRICS_TOKEN,
  }, { libsql: true });
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: edge.keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  const gauges = async () => {
    const metrics = await queue.metrics();
    return QUEUE_GAUGES.map((name) => metrics[name]);
  };
  const queued = (jobId: number) => queue.webhook({ action: "queued", jobId });
  const api = async (method: string, path: string, role: "viewer" | "admin") => {
    const response = await fetch(`${edge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await operatorToken(SESSION, role)}` },
    });
    return [response.status, await response.json()];
  };
  try {
    await t.step(
      "a webhook is stored once per delivery id and once per job and action",
      async () => {
        assert.deepEqual(
          await queue.webhook({ action: "queued", jobId: 1 }, { deliveryId: "d-1" }),
          [202, "queued"],
        );
        assert.deepEqual(
          await queue.webhook({ action: "queued", jobId: 1 }, { deliveryId: "d-2" }),
          [200, "duplicate"],
          "same job and action, another delivery",
        );
        assert.deepEqual(
          await queue.webhook({ action: "in_progress", jobId: 1 }, { deliveryId: "d-1" }),
          [200, "duplicate"],
          "same delivery, another action",
        );
        assert.deepEqual(
          await queue.webhook({ action: "in_progress", jobId: 1 }, { deliveryId: "d-3" }),
          [202, "queued"],
        );
        assert.deepEqual(await gauges(), [2, 0, 0, 0]);
      },
    );

    await t.step(
      "a lease takes the oldest first, at most max, and says how many wait behind",
      async () => {
        const postedFrom = Date.now();
        for (const jobId of [2, 3, 4]) assert.deepEqual(await queued(jobId), [202, "queued"]);
        const { events, backlog } = await queue.lease({ max: 2, waitMs: 0 });
        assert.deepEqual(events.map(jobActionOf), ["1:queued", "1:in_progress"]);
        assert.deepEqual(events.map((e) => e.deliveries), [1, 1]);
        assert.ok(events.every((e) => e.enqueuedAt <= postedFrom), "enqueued in the step before");
        assert.equal(backlog, 3);
        assert.deepEqual(await gauges(), [3, 2, 0, 0]);
        // An ack needs the lease it names: another event's lease id settles nothing.
        assert.equal(
          await queue.ack([{ eventId: events[0].eventId, leaseId: events[1].leaseId }]),
          0,
        );
        assert.equal(await queue.ack(events), 2);
        assert.equal(await queue.ack(events), 0, "an ack is applied once");
        assert.deepEqual(await gauges(), [3, 0, 0, 0]);
      },
    );

    let delayed: LeasedEvent;
    await t.step("a nack without delay redelivers at once; with a delay, later", async () => {
      const [first] = (await queue.lease({ max: 1, waitMs: 0 })).events;
      assert.equal(jobActionOf(first), "2:queued");
      assert.equal(await queue.nack([{ eventId: first.eventId, leaseId: "not-the-lease" }], 0), 0);
      assert.equal(await queue.nack([first], 0), 1);
      const [again] = (await queue.lease({ max: 1, waitMs: 0 })).events;
      assert.deepEqual([again.eventId, again.deliveries], [first.eventId, 2]);
      assert.equal(await queue.nack([again], 600_000), 1);
      assert.equal(await queue.nack([again], 0), 0, "a settled lease is settled once");
      assert.deepEqual(await gauges(), [2, 0, 1, 0]);
      const rest = await queue.lease({ max: 10, waitMs: 0 });
      assert.deepEqual(rest.events.map(jobActionOf), ["3:queued", "4:queued"]);
      assert.equal(rest.backlog, 0);
      assert.equal(await queue.ack(rest.events), 2);
      delayed = again;
      assert.deepEqual(await gauges(), [0, 0, 1, 0]);
    });

    await t.step("a lease with nothing ready waits out waitMs and answers none", async () => {
      const start = Date.now();
      assert.deepEqual(await queue.lease({ waitMs: 400 }), { events: [], backlog: 0 });
      const waited = Date.now() - start;
      assert.ok(waited >= 400 && waited < 5_000, `waited ${waited} ms`);
    });

    await t.step("a waiting lease is woken by a webhook and by a nack without delay", async () => {
      const waiting = queue.lease({ waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the lease start waiting
      const sentAt = Date.now();
      assert.deepEqual(await queued(6), [202, "queued"]);
      const woken = await waiting;
      assert.ok(Date.now() - sentAt < 5_000, "woken by the webhook, not the timeout");
      assert.deepEqual(woken.events.map(jobActionOf), ["6:queued"]);
      assert.equal(await queue.ack(woken.events), 1);

      assert.deepEqual(await queued(7), [202, "queued"]);
      const held = (await queue.lease({ max: 1, waitMs: 0 })).events;
      const waitingForNack = queue.lease({ waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const nackedAt = Date.now();
      assert.equal(await queue.nack(held, 0), 1);
      const redelivered = await waitingForNack;
      assert.ok(Date.now() - nackedAt < 5_000, "woken by the nack, not the timeout");
      assert.deepEqual(redelivered.events.map((e) => [jobActionOf(e), e.deliveries]), [
        ["7:queued", 2],
      ]);
      assert.equal(await queue.ack(redelivered.events), 1);
    });

    await t.step("an expired lease is redelivered; the stale lease settles nothing", async () => {
      assert.deepEqual(await queued(5), [202, "queued"]);
      const [first] = (await queue.lease({ max: 1, waitMs: 0, leaseMs: 1_000 })).events;
      const leasedAt = Date.now();
      assert.deepEqual(await queue.lease({ waitMs: 0 }), { events: [], backlog: 0 });
      // Long-polls until the lease runs out: the queue wakes itself then, not at waitMs.
      const [again] = (await queue.lease({ max: 1, waitMs: 10_000 })).events;
      const waited = Date.now() - leasedAt;
      assert.ok(waited < 5_000, `redelivered ${waited} ms after the 1 s lease`);
      assert.deepEqual([again.eventId, again.deliveries], [first.eventId, 2]);
      assert.equal(await queue.ack([first]), 0);
      assert.equal(await queue.nack([first], 0), 0);
      assert.equal(await queue.ack([again]), 1);
    });

    await t.step(
      "the tenth delivery is the last: then a dead letter, listed, requeued",
      async () => {
        assert.deepEqual(await queued(9), [202, "queued"]);
        let enqueuedAt = 0;
        for (let delivery = 1; delivery <= 10; delivery++) {
          const { events } = await queue.lease({ max: 1, waitMs: 0 });
          assert.deepEqual(events.map((e) => [jobActionOf(e), e.deliveries]), [
            ["9:queued", delivery],
          ]);
          enqueuedAt = events[0].enqueuedAt;
          assert.equal(await queue.nack(events, 0), 1);
        }
        assert.deepEqual(await queue.lease({ max: 10, waitMs: 0 }), { events: [], backlog: 0 });
        assert.deepEqual(await gauges(), [0, 0, 1, 1]);
        const [status, listed] = await api("GET", "/api/v1/dead-letters", "viewer");
        assert.equal(status, 200);
        assert.equal(listed.deadLetters.length, 1);
        const [letter] = listed.deadLetters;
        assert.deepEqual(
          [letter.deliveries, letter.enqueuedAt, letter.message.job.githubJobId],
          [10, enqueuedAt, 9],
        );
        assert.ok(letter.deadAt >= enqueuedAt && letter.deadAt <= Date.now());

        // A lease waiting when the dead letter is requeued gets it at once.
        const waiting = queue.lease({ max: 10, waitMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 300)); // let the lease start waiting
        const requeuedAt = Date.now();
        assert.deepEqual(
          await api("POST", `/api/v1/dead-letters/${letter.eventId}/requeue`, "admin"),
          [
            200,
            { status: "requeued", eventId: letter.eventId },
          ],
        );
        // Woken by the requeue itself: the refused requeues below must not be what wakes it.
        const { events } = await waiting;
        assert.ok(Date.now() - requeuedAt < 5_000, "woken by the requeue, not the timeout");
        const [again, body] = await api(
          "POST",
          `/api/v1/dead-letters/${letter.eventId}/requeue`,
          "admin",
        );
        assert.deepEqual([again, body.error.code], [404, "not_found"], "requeued once");
        const notDead = delayed.eventId; // delayed, not dead: not requeued
        const [refused] = await api("POST", `/api/v1/dead-letters/${notDead}/requeue`, "admin");
        assert.equal(refused, 404);
        assert.deepEqual(events.map((e) => [jobActionOf(e), e.deliveries]), [["9:queued", 1]]);
        assert.deepEqual(await gauges(), [0, 1, 1, 0]);
        assert.equal(await queue.ack(events), 1);

        const client = createClient({ url: edge.libsqlUrl! });
        const audit = await client.execute(
          "SELECT actor, action, target, outcome, payload FROM audit_events ORDER BY id",
        );
        client.close();
        assert.deepEqual(audit.rows.map((row) => ({ ...row })), [
          {
            actor: `${testOperatorId("admin")}@example.com`,
            action: "dead_letter.requeue",
            target: String(letter.eventId),
            outcome: "ok",
            payload: JSON.stringify({ eventId: letter.eventId }),
          },
          {
            actor: `${testOperatorId("admin")}@example.com`,
            action: "dead_letter.requeue",
            target: String(letter.eventId),
            outcome: "failed",
            payload: JSON.stringify({ eventId: letter.eventId, reason: "not_found" }),
          },
          {
            actor: `${testOperatorId("admin")}@example.com`,
            action: "dead_letter.requeue",
            target: String(notDead),
            outcome: "failed",
            payload: JSON.stringify({ eventId: notDead, reason: "not_found" }),
          },
        ]);
      },
    );

    await t.step(
      "counters: accepted, duplicates, and first deliveries' lease latency",
      async () => {
        const metrics = await queue.metrics();
        // Accepted: jobs 1 (two actions), 2, 3, 4, 6, 7, 5, 9. First deliveries: the same nine
        // events, and job 9 once more after its requeue reset its deliveries.
        assert.equal(metrics['gantry_webhooks_total{outcome="accepted"}'], 9);
        assert.equal(metrics['gantry_webhooks_total{outcome="duplicate"}'], 2);
        assert.equal(metrics["gantry_lease_latency_ms_count"], 10);
        assert.equal(metrics['gantry_lease_latency_ms_bucket{le="+Inf"}'], 10);
        assert.equal(metrics['gantry_lease_latency_ms_bucket{le="30000"}'], 10);
      },
    );
  } finally {
    await edge.stop();
  }
});

Deno.test("lease latency: each first delivery lands in every bucket at or above it", async () => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: SECRET,
    SESSION_SECRET: SESSION,
    METRICS_TOKEN,
  });
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: edge.keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  try {
    const sentAt = Date.now();
    assert.deepEqual(await queue.webhook({ action: "queued", jobId: 1 }), [202, "queued"]);
    const answeredAt = Date.now();
    // Lease no sooner than 300 ms after the webhook was stored, so its latency is known to be
    // over the 250 ms bucket.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const leasedFrom = Date.now();
    const { events } = await queue.lease({ max: 1, waitMs: 0 });
    const leasedTo = Date.now();
    assert.equal(events.length, 1);
    const [min, max] = [leasedFrom - answeredAt, leasedTo - sentAt];
    const metrics = await queue.metrics();
    const sum = metrics["gantry_lease_latency_ms_sum"];
    assert.ok(sum >= min && sum <= max, `latency ${sum} ms outside [${min}, ${max}]`);
    for (const bound of [5, 10, 25, 50, 100, 250, 1000, 5000, 30000]) {
      const expected = sum <= bound ? 1 : 0;
      assert.equal(metrics[`gantry_lease_latency_ms_bucket{le="${bound}"}`], expected, `${bound}`);
    }
    assert.equal(metrics["gantry_lease_latency_ms_count"], 1);
    // A redelivery is not a first delivery: the histogram does not move.
    assert.equal(await queue.nack(events, 0), 1);
    assert.equal((await queue.lease({ max: 1, waitMs: 0 })).events.length, 1);
    assert.equal((await queue.metrics())["gantry_lease_latency_ms_count"], 1);
  } finally {
    await edge.stop();
  }
});
