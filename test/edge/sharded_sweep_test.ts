/**
 * The sharded queue's sweep (edge/queue/sharded_queue.ts), in workerd over
 * four shards: an event ready on any shard is answered at once even when the
 * lease may wait; the sweep starts on a random shard, so no shard's events
 * always go last; the dead-letter list stops at the route's 200 even when the
 * shards hold more between them.
 */
import assert from "node:assert/strict";
import { MAX_QUEUE_SHARDS, shardKeyOf, shardOf } from "../../shared/queue_shard.ts";
import { operatorToken } from "../support/operator.ts";
import { jobActionOf, queueClient } from "../support/queue_client.ts";
import { edgeForRun } from "../support/shared_edge.ts";

const SECRET = "sharded-sweep-secret";
const SESSION = "sharded-sweep-session-secret-0123456789";
const METRICS_TOKEN = "sharded-sweep-metrics";
const SHARDS = 4;
/** What GET /api/v1/dead-letters asks the queue for (edge/queue/dead_letter_routes.ts). */
const LIST_LIMIT = 200;

function installationOn(shard: number): number {
  for (let id = 1;; id++) {
    const message = { type: "workflow_job", job: { installationId: id } } as Parameters<
      typeof shardKeyOf
    >[0];
    if (shardOf(shardKeyOf(message), SHARDS) === shard) return id;
  }
}

Deno.test("the sharded sweep: ready events at once, a random first shard, a bounded dead-letter list", async (t) => {
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
  const shardOfEvent = (event: { eventId: number }) => event.eventId % MAX_QUEUE_SHARDS;
  try {
    await t.step(
      "an event ready on a shard is answered at once, though the lease may wait",
      async () => {
        await on(2, 70);
        const { events } = await queue.lease({ max: 10, waitMs: 5_000 });
        assert.deepEqual(events.map((e) => `${jobActionOf(e)}@${shardOfEvent(e)}`), [
          "70:queued@2",
        ]);
        assert.equal(await queue.ack(events), 1);
      },
    );

    await t.step("the sweep starts on a random shard: either of two is leased first", async () => {
      // A start on shard 0 or 1 takes shard 1's event first, on 2 or 3 shard 3's: 20 leases
      // that all took the same shard first would happen once in 500,000 runs.
      const firsts = new Set<number>();
      for (let i = 0; i < 20; i++) {
        await on(1, 100 + i);
        await on(3, 200 + i);
        const first = (await queue.lease({ max: 1, waitMs: 0 })).events;
        const second = (await queue.lease({ max: 10, waitMs: 0 })).events;
        assert.equal(first.length + second.length, 2);
        firsts.add(shardOfEvent(first[0]));
        assert.equal(await queue.ack([...first, ...second]), 2);
      }
      assert.deepEqual([...firsts].sort(), [1, 3]);
    });

    await t.step(`the dead-letter list stops at ${LIST_LIMIT} over the shards`, async () => {
      for (let i = 0; i <= LIST_LIMIT; i++) await on(i % 2, 1_000 + i);
      for (let delivery = 1; delivery <= 10; delivery++) {
        const { events } = await queue.lease({ max: 500, waitMs: 0 });
        assert.equal(events.length, LIST_LIMIT + 1, `delivery ${delivery}`);
        assert.equal(await queue.nack(events, 0), LIST_LIMIT + 1);
      }
      assert.deepEqual((await queue.lease({ max: 500, waitMs: 0 })).events, []);
      const response = await fetch(`${edge.url}/api/v1/dead-letters`, {
        headers: { authorization: `Bearer ${await operatorToken(SESSION, "viewer")}` },
      });
      assert.equal(response.status, 200);
      const { deadLetters } = await response.json();
      assert.equal(deadLetters.length, LIST_LIMIT);
      assert.deepEqual(
        [...new Set(deadLetters.map(shardOfEvent))].sort(),
        [0, 1],
        "both shards' letters are listed",
      );
    });
  } finally {
    await edge.stop();
  }
});
