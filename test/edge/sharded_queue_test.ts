/**
 * The queue spread over several Durable Objects (QUEUE_SHARDS=4), in workerd:
 * thousands of events over many installations, two cores leasing at once,
 * none lost or duplicated; a waiting lease is woken by an event on any shard;
 * nack and queue stats work across shards.
 */
import assert from "node:assert/strict";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { shardKeyOf, shardOf } from "../../shared/queue_shard.ts";
import { corePost, githubJobIdOf } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";
import { createClient } from "@libsql/client/web";
import { migrate } from "../../core/db/migrate.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "sharded-test-secret";
const SESSION = "sharded-test-session-secret-0123456789";
const SHARDS = 4;

Deno.test("a sharded queue in workerd", async (t) => {
  const keys = await coreKeyPair("core-a");
  // The console API checks the operator's users row on every request.
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  await migrate(client);
  await seedTestOperators(client);
  client.close();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: SESSION,
    LIBSQL_URL: libsql.url,
    QUEUE_SHARDS: String(SHARDS),
  });
  const enqueue = async (jobId: number, installationId: number) => {
    const payload = await workflowJobPayload({
      action: "queued",
      jobId,
      installationId,
      labels: ["self-hosted"],
    });
    const response = await postWebhook(edge.url, payload, { secret: SECRET });
    assert.equal(response.status, 202);
    await response.body?.cancel();
  };
  const lease = async (body: Record<string, unknown>) => {
    const response = await corePost(edge.url, keys.privateKeyPem, "/core/v1/lease", body);
    assert.equal(response.status, 200);
    return (await response.json()).events as LeasedEvent[];
  };
  const settle = async (path: string, events: LeasedEvent[], extra = {}) => {
    const response = await corePost(edge.url, keys.privateKeyPem, path, {
      leases: events.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId })),
      ...extra,
    });
    return (await response.json()).settled as number;
  };
  try {
    await t.step(
      "2,000 events over 40 installations, two cores: none lost, none twice",
      async () => {
        const total = 2_000;
        for (let i = 0; i < total; i += 40) {
          await Promise.all(Array.from({ length: 40 }, (_, j) => enqueue(10_000 + i + j, j + 1)));
        }
        const seen: number[] = [];
        const loop = async () => {
          for (;;) {
            const events = await lease({ max: 25, waitMs: 0 });
            if (events.length === 0) return;
            assert.ok(events.length <= 25, `at most max events, got ${events.length}`);
            seen.push(...events.map(githubJobIdOf));
            assert.equal(await settle("/core/v1/ack", events), events.length);
          }
        };
        await Promise.all([loop(), loop()]);
        assert.equal(seen.length, total, "none lost");
        assert.equal(new Set(seen).size, total, "none duplicated");
      },
    );

    await t.step("a waiting lease is woken by an event on any shard", async () => {
      // Pick installations that land on the last shard and on the first.
      const installationOn = (shard: number) => {
        for (let id = 1;; id++) {
          const message = { type: "workflow_job", job: { installationId: id } } as Parameters<
            typeof shardKeyOf
          >[0];
          if (shardOf(shardKeyOf(message), SHARDS) === shard) return id;
        }
      };
      for (const [n, shard] of [[1, SHARDS - 1], [2, 0]]) {
        const waiting = lease({ max: 10, waitMs: 20_000 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const sentAt = Date.now();
        await enqueue(90_000 + n, installationOn(shard));
        const events = await waiting;
        assert.equal(events.length, 1);
        assert.equal(githubJobIdOf(events[0]), 90_000 + n);
        assert.ok(Date.now() - sentAt < 5_000, "woken by the webhook, not the timeout");
        assert.equal(await settle("/core/v1/ack", events), 1);
      }
    });

    await t.step("nack redelivers from the right shard; stats add up", async () => {
      await Promise.all([1, 2, 3, 4, 5, 6].map((i) => enqueue(95_000 + i, i)));
      const first = await lease({ max: 10, waitMs: 0 });
      assert.equal(first.length, 6);
      const admin = { authorization: `Bearer ${await operatorToken(SESSION, "admin")}` };
      const stats = await (await fetch(`${edge.url}/api/v1/queue`, { headers: admin })).json();
      assert.deepEqual(stats, { ready: 0, leased: 6, delayed: 0, dead: 0 });
      assert.equal(await settle("/core/v1/nack", first, { delayMs: 0 }), 6);
      const again = await lease({ max: 10, waitMs: 0 });
      assert.deepEqual(again.map(githubJobIdOf).sort(), first.map(githubJobIdOf).sort());
      assert.ok(again.every((e) => e.deliveries === 2));
      assert.equal(await settle("/core/v1/ack", again), 6);
      assert.equal(await settle("/core/v1/ack", again), 0, "an ack is not applied twice");
    });
  } finally {
    await edge.stop();
    await libsql.close();
  }
});
