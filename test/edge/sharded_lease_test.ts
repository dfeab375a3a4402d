/**
 * The queue over four shards (edge/queue/sharded_queue.ts), in workerd, with
 * a handful of events placed on chosen shards: event ids carry their shard,
 * a lease sweeps shards up to `max`, the backlog, gauges and counters add up
 * over shards, acks and nacks find their shard (and ignore a shard the
 * deployment does not have), a long-poll woken on two shards at once hands
 * the surplus back uncounted (and the release wakes another core's lease
 * waiting on that shard), and dead letters of every shard are listed
 * newest first and requeued by their id. Fast enough to run per mutant.
 */
import assert from "node:assert/strict";
import { MAX_QUEUE_SHARDS, shardKeyOf, shardOf } from "../../shared/queue_shard.ts";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { operatorToken } from "../support/operator.ts";
import { jobActionOf, queueClient } from "../support/queue_client.ts";
import { edgeForRun } from "../support/shared_edge.ts";

const SECRET = "sharded-lease-secret";
const SESSION = "sharded-lease-session-secret-0123456789";
const METRICS_TOKEN = "sharded-lease-metrics";
const SHARDS = 4;

/** The first installation id whose events live on `shard`. */
function installationOn(shard: number): number {
  for (let id = 1;; id++) {
    const message = { type: "workflow_job", job: { installationId: id } } as Parameters<
      typeof shardKeyOf
    >[0];
    if (shardOf(shardKeyOf(message), SHARDS) === shard) return id;
  }
}

const shardOfEvent = (event: { eventId: number }) => event.eventId % MAX_QUEUE_SHARDS;

Deno.test("a queue over four shards in workerd", async (t) => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: SECRET,
    SESSION_SECRET: SESSION,
    METRICS_TOKEN,
    QUEUE_SHARDS: String(SHARDS),
  }, { libsql: true });
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: edge.keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  const on = async (shard: number, jobId: number) =>
    assert.deepEqual(
      await queue.webhook({ action: "queued", jobId, installationId: installationOn(shard) }),
      [202, "queued"],
    );
  const gauges = async () => {
    const metrics = await queue.metrics();
    return ["ready", "leased", "delayed", "dead_letters"].map((g) => metrics[`gantry_queue_${g}`]);
  };
  const withShards = (events: LeasedEvent[]) =>
    events.map((e) => `${jobActionOf(e)}@${shardOfEvent(e)}`).sort();
  try {
    await t.step("a lease sweeps the shards up to max; ids carry the shard", async () => {
      await on(1, 11);
      await on(1, 12);
      await on(3, 31);
      await on(3, 32);
      assert.deepEqual(await gauges(), [4, 0, 0, 0]);
      const { events, backlog } = await queue.lease({ max: 3, waitMs: 0 });
      assert.equal(events.length, 3);
      assert.equal(backlog, 1);
      const all = [...events, ...(await queue.lease({ max: 10, waitMs: 0 })).events];
      assert.deepEqual(withShards(all), [
        "11:queued@1",
        "12:queued@1",
        "31:queued@3",
        "32:queued@3",
      ]);
      assert.deepEqual(await gauges(), [0, 4, 0, 0]);
      // A shard this deployment does not have (4 of 0–3) settles nothing and fails nothing.
      const missing = { eventId: 7 * MAX_QUEUE_SHARDS + SHARDS, leaseId: "x" };
      assert.equal(await queue.ack([missing]), 0);
      assert.equal(await queue.nack([missing], 0), 0);
      // Acks and nacks find each event's shard.
      assert.equal(await queue.nack(all.slice(0, 2), 600_000), 2);
      assert.equal(await queue.ack(all), 2);
      assert.deepEqual(await gauges(), [0, 0, 2, 0]);
      const metrics = await queue.metrics();
      assert.equal(metrics['gantry_webhooks_total{outcome="accepted"}'], 4);
      assert.equal(metrics["gantry_lease_latency_ms_count"], 4);
    });

    await t.step("a long-poll is woken by an event on any shard, and only once", async () => {
      for (const [jobId, shard] of [[40, SHARDS - 1], [41, 0]]) {
        const waiting = queue.lease({ max: 10, waitMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 300)); // let the lease start waiting
        const sentAt = Date.now();
        await on(shard, jobId);
        const { events } = await waiting;
        assert.ok(Date.now() - sentAt < 5_000, "woken by the webhook, not the timeout");
        assert.deepEqual(withShards(events), [`${jobId}:queued@${shard}`]);
        assert.equal(await queue.ack(events), 1);
      }
    });

    await t.step(
      "shards woken together hand the surplus back, its delivery uncounted",
      async () => {
        await on(0, 50);
        await on(2, 52);
        const held = (await queue.lease({ max: 10, waitMs: 0 })).events;
        assert.deepEqual(withShards(held), ["50:queued@0", "52:queued@2"]);
        const waiting = queue.lease({ max: 1, waitMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        // One nack wakes both shards' waits at once: both take their event, one is surplus.
        assert.equal(await queue.nack(held, 0), 2);
        const { events } = await waiting;
        assert.equal(events.length, 1, "at most max");
        assert.equal(events[0].deliveries, 2);
        const rest = (await queue.lease({ max: 10, waitMs: 0 })).events;
        assert.deepEqual(withShards([...events, ...rest]), ["50:queued@0", "52:queued@2"]);
        assert.deepEqual(rest.map((e) => e.deliveries), [2], "the surplus was not a delivery");
        assert.equal(await queue.ack([...events, ...rest]), 2);
        assert.deepEqual(await gauges(), [0, 0, 2, 0]);
      },
    );

    await t.step("a surplus handed back wakes another lease waiting on its shard", async () => {
      await on(0, 70);
      await on(2, 72);
      const held = (await queue.lease({ max: 10, waitMs: 0 })).events;
      assert.deepEqual(withShards(held), ["70:queued@0", "72:queued@2"]);
      // The first lease waits on every shard before the second, so each shard's nack wakes it
      // first: it takes both events, keeps one and releases the other on its shard, where the
      // second lease (which found nothing when the nack woke it) is waiting again.
      const first = queue.lease({ max: 1, waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = queue.lease({ max: 1, waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const nackedAt = Date.now();
      assert.equal(await queue.nack(held, 0), 2);
      const [a, b] = await Promise.all([first, second]);
      assert.ok(Date.now() - nackedAt < 5_000, "woken by the release, not the timeout");
      const both = [...a.events, ...b.events];
      assert.deepEqual(withShards(both), ["70:queued@0", "72:queued@2"]);
      assert.deepEqual(both.map((e) => e.deliveries), [2, 2]);
      assert.equal(await queue.ack(both), 2);
      assert.deepEqual(await gauges(), [0, 0, 2, 0]);
    });

    await t.step("dead letters of every shard, newest first, requeued by id", async () => {
      const exhaust = async (jobId: number) => {
        for (let delivery = 1; delivery <= 10; delivery++) {
          const { events } = await queue.lease({ max: 10, waitMs: 0 });
          assert.deepEqual(events.map((e) => [jobActionOf(e), e.deliveries]), [
            [`${jobId}:queued`, delivery],
          ]);
          assert.equal(await queue.nack(events, 0), 1);
        }
        assert.deepEqual((await queue.lease({ max: 10, waitMs: 0 })).events, []);
      };
      await on(1, 61);
      await exhaust(61);
      await on(2, 62);
      await exhaust(62);
      assert.deepEqual(await gauges(), [0, 0, 2, 2]);
      const viewer = { authorization: `Bearer ${await operatorToken(SESSION, "viewer")}` };
      const listed = await (await fetch(`${edge.url}/api/v1/dead-letters`, { headers: viewer }))
        .json();
      assert.deepEqual(
        listed.deadLetters.map((letter: LeasedEvent & { deadAt: number }) =>
          `${jobActionOf(letter)}@${shardOfEvent(letter)}`
        ),
        ["62:queued@2", "61:queued@1"],
      );
      const [newest, oldest] = listed.deadLetters;
      assert.ok(newest.deadAt > oldest.deadAt);
      const admin = { authorization: `Bearer ${await operatorToken(SESSION, "admin")}` };
      const requeue = async (eventId: number) => {
        const response = await fetch(`${edge.url}/api/v1/dead-letters/${eventId}/requeue`, {
          method: "POST",
          headers: admin,
        });
        await response.body?.cancel();
        return response.status;
      };
      assert.equal(await requeue(oldest.eventId), 200);
      assert.equal(await requeue(oldest.eventId - oldest.eventId % MAX_QUEUE_SHARDS + SHARDS), 404);
      const { events } = await queue.lease({ max: 10, waitMs: 0 });
      assert.deepEqual(events.map((e) => [e.eventId, e.deliveries]), [[oldest.eventId, 1]]);
      assert.equal(await queue.ack(events), 1);
      assert.deepEqual(await gauges(), [0, 0, 2, 1]);
    });
  } finally {
    await edge.stop();
  }
});
