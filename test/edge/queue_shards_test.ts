/**
 * QUEUE_SHARDS as a deployment changes it (edge/queue/queue_of.ts), in
 * workerd, with a restart: an edge that grows from one shard to four keeps
 * the events it buffered (shard 0 is the old single object) and still knows
 * their dedupe keys; an empty QUEUE_SHARDS means one shard, as the settings
 * check says it does.
 */
import assert from "node:assert/strict";
import { MAX_QUEUE_SHARDS, shardKeyOf, shardOf } from "../../shared/queue_shard.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { jobActionOf, queueClient } from "../support/queue_client.ts";

const SECRET = "queue-shards-secret";
const METRICS_TOKEN = "queue-shards-metrics";

/** The first installation id whose events live on `shard` of `shards`. */
function installationOn(shard: number, shards: number): number {
  for (let id = 1;; id++) {
    const message = { type: "workflow_job", job: { installationId: id } } as Parameters<
      typeof shardKeyOf
    >[0];
    if (shardOf(shardKeyOf(message), shards) === shard) return id;
  }
}

async function edgeWith(queueShards: string) {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "queue-shards-session-secret-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN,
    QUEUE_SHARDS: queueShards,
  });
  const client = (url: string) =>
    queueClient(url, {
      secret: SECRET,
      privateKeyPem: keys.privateKeyPem,
      metricsToken: METRICS_TOKEN,
    });
  return { edge, client };
}

Deno.test("growing from one shard to four keeps the buffered events and their dedupe", async () => {
  let { edge, client } = await edgeWith("1");
  try {
    const onShard0 = installationOn(0, 4);
    const onShard2 = installationOn(2, 4);
    let queue = client(edge.url);
    assert.deepEqual(
      await queue.webhook({ action: "queued", jobId: 1, installationId: onShard0 }, {
        deliveryId: "grow-1",
      }),
      [202, "queued"],
    );
    assert.deepEqual(
      await queue.webhook({ action: "queued", jobId: 2, installationId: onShard2 }),
      [202, "queued"],
    );
    edge = await edge.restart({ QUEUE_SHARDS: "4" });
    queue = client(edge.url);
    assert.deepEqual(
      await queue.webhook({ action: "queued", jobId: 1, installationId: onShard0 }, {
        deliveryId: "grow-1",
      }),
      [200, "duplicate"],
      "shard 0 is the object that saw it",
    );
    const { events } = await queue.lease({ max: 10, waitMs: 0 });
    assert.deepEqual(
      events.map((e) => `${jobActionOf(e)}@${e.eventId % MAX_QUEUE_SHARDS}`),
      ["1:queued@0", "2:queued@0"],
    );
    assert.equal(await queue.ack(events), 2);
  } finally {
    await edge.stop();
  }
});

Deno.test("an empty QUEUE_SHARDS is one shard", async () => {
  const { edge, client } = await edgeWith("");
  try {
    const queue = client(edge.url);
    assert.deepEqual(await queue.webhook({ action: "queued", jobId: 3 }), [202, "queued"]);
    const { events } = await queue.lease({ max: 10, waitMs: 0 });
    assert.deepEqual(events.map((e) => `${jobActionOf(e)}@${e.eventId % MAX_QUEUE_SHARDS}`), [
      "3:queued@0",
    ]);
  } finally {
    await edge.stop();
  }
});
