/** The lease protocol in workerd: core authentication, invisibility, ack/nack, long-poll. */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { migrate } from "../../core/db/migrate.ts";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { corePost, coreToken, githubJobIdOf, leaseAll } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "lease-test-secret";
const SESSION = "lease-test-session-secret-0123456789";

Deno.test("lease protocol in workerd", async (t) => {
  const keys = await coreKeyPair("core-a");
  // Requeueing a dead letter is audited in libSQL.
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
  });
  const enqueue = async (jobId: number) => {
    const response = await postWebhook(
      edge.url,
      await workflowJobPayload({ action: "queued", jobId, labels: ["self-hosted"] }),
      { secret: SECRET },
    );
    assert.equal(response.status, 202);
    await response.body?.cancel();
  };
  const lease = async (body: Record<string, unknown>) => {
    const response = await corePost(edge.url, keys.privateKeyPem, "/core/v1/lease", body);
    // The body names the cause of a refusal (a 503 was once seen here on a loaded machine).
    if (response.status !== 200) assert.fail(`lease ${response.status}: ${await response.text()}`);
    return (await response.json()).events as LeasedEvent[];
  };
  const refs = (events: LeasedEvent[]) =>
    events.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId }));
  try {
    const other = await coreKeyPair("core-unknown");
    const rejected: [string, () => Promise<string | null>][] = [
      ["missing token", () => Promise.resolve(null)],
      [
        "expired token",
        () =>
          coreToken(keys.privateKeyPem, {
            issuedAtS: Math.floor(Date.now() / 1000) - 600,
            expiresInS: 60,
          }),
      ],
      ["wrong audience", () => coreToken(keys.privateKeyPem, { audience: "someone-else" })],
      ["signed by an unknown key", () => coreToken(other.privateKeyPem)],
      ["not a JWT", () => Promise.resolve("not-a-jwt")],
    ];
    for (const [name, token] of rejected) {
      await t.step(`${name} is refused with 401 on every core route`, async () => {
        const bearer = await token();
        for (const path of ["/core/v1/lease", "/core/v1/ack", "/core/v1/nack"]) {
          const response = await fetch(`${edge.url}${path}`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            },
            body: JSON.stringify({ waitMs: 0, leases: [{ eventId: 1, leaseId: "x" }] }),
          });
          assert.equal(response.status, 401, `${path}`);
          const body = await response.json();
          assert.equal(body.error.code, "unauthorized");
          if (bearer) assert.ok(!JSON.stringify(body).includes(bearer), "the token is not echoed");
        }
      });
    }

    await t.step(
      "a leased event is invisible until its lease expires, then redelivered",
      async () => {
        await enqueue(100);
        const first = await lease({ waitMs: 0, leaseMs: 1_000 });
        assert.equal(first.length, 1);
        assert.deepEqual(await lease({ waitMs: 0 }), [], "invisible while leased");
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const again = await lease({ waitMs: 0 });
        assert.equal(again.length, 1);
        assert.equal(again[0].eventId, first[0].eventId);
        assert.equal(again[0].deliveries, 2);
        // The stale lease can no longer ack; the live one can.
        const stale = await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", {
          leases: refs(first),
        });
        assert.deepEqual(await stale.json(), { settled: 0 });
        const live = await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", {
          leases: refs(again),
        });
        assert.deepEqual(await live.json(), { settled: 1 });
        assert.deepEqual(await lease({ waitMs: 0 }), []);
      },
    );

    await t.step("a nacked event comes back after its delay", async () => {
      await enqueue(101);
      const first = await lease({ waitMs: 0 });
      const nack = await corePost(edge.url, keys.privateKeyPem, "/core/v1/nack", {
        leases: refs(first),
        delayMs: 500,
      });
      assert.deepEqual(await nack.json(), { settled: 1 });
      assert.deepEqual(await lease({ waitMs: 0 }), []);
      const again = await lease({ waitMs: 3_000 });
      assert.equal(again.length, 1);
      assert.equal(again[0].deliveries, 2);
      await leaseAll(edge.url, keys.privateKeyPem);
      await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", { leases: refs(again) })
        .then((r) => r.body?.cancel());
    });

    await t.step("a waiting lease returns as soon as a webhook arrives", async () => {
      const waiting = lease({ waitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sentAt = Date.now();
      await enqueue(102);
      const events = await waiting;
      assert.equal(events.length, 1);
      assert.ok(Date.now() - sentAt < 5_000, "woken by the webhook, not the timeout");
      await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", { leases: refs(events) })
        .then((r) => r.body?.cancel());
    });

    await t.step("a lease tells how many events still wait behind it", async () => {
      for (let id = 110; id < 115; id++) await enqueue(id);
      const leaseRaw = async (body: Record<string, unknown>) => {
        const response = await corePost(edge.url, keys.privateKeyPem, "/core/v1/lease", body);
        return await response.json() as { events: LeasedEvent[]; backlog: number };
      };
      const part = await leaseRaw({ max: 2, waitMs: 0 });
      assert.equal(part.events.length, 2);
      assert.equal(part.backlog, 3, "three more ready");
      const rest = await leaseRaw({ max: 10, waitMs: 0 });
      assert.equal(rest.events.length, 3);
      assert.equal(rest.backlog, 0);
      await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", {
        leases: refs([...part.events, ...rest.events]),
      }).then((r) => r.body?.cancel());
    });

    await t.step("two cores leasing at once never get the same event", async () => {
      const total = 300;
      for (let i = 0; i < total; i += 20) {
        await Promise.all(Array.from({ length: 20 }, (_, j) => enqueue(1_000 + i + j)));
      }
      const seen: number[] = [];
      const loop = async () => {
        for (;;) {
          const events = await lease({ max: 7, waitMs: 0 });
          if (events.length === 0) return;
          seen.push(...events.map((e) => githubJobIdOf(e)));
          const ack = await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", {
            leases: refs(events),
          });
          assert.deepEqual(await ack.json(), { settled: events.length });
        }
      };
      await Promise.all([loop(), loop()]);
      assert.equal(seen.length, total, "none lost");
      assert.equal(new Set(seen).size, total, "none duplicated");
    });

    await t.step("an event that keeps failing is dead-lettered, listed and requeued", async () => {
      await enqueue(555);
      for (let delivery = 1; delivery <= 10; delivery++) {
        const events = await lease({ waitMs: 0 });
        assert.equal(events.length, 1, `delivery ${delivery}`);
        assert.equal(events[0].deliveries, delivery);
        await corePost(edge.url, keys.privateKeyPem, "/core/v1/nack", {
          leases: refs(events),
          delayMs: 0,
        })
          .then((r) => r.body?.cancel());
      }
      // A lease whose only pick is dead-lettered answers none, and no backlog: it counts the
      // queue behind a lease that took something, even when another event (556) is ready.
      await enqueue(556);
      const withheld = await corePost(edge.url, keys.privateKeyPem, "/core/v1/lease", {
        max: 1,
        waitMs: 0,
      });
      assert.deepEqual(await withheld.json(), { events: [], backlog: 0 }, "the 11th is withheld");
      const viewer = { authorization: `Bearer ${await operatorToken(SESSION, "viewer")}` };
      const listed = await (await fetch(`${edge.url}/api/v1/dead-letters`, { headers: viewer }))
        .json();
      assert.equal(listed.deadLetters.length, 1);
      assert.equal(listed.deadLetters[0].message.job.githubJobId, 555);
      const eventId = listed.deadLetters[0].eventId;
      const byViewer = await fetch(`${edge.url}/api/v1/dead-letters/${eventId}/requeue`, {
        method: "POST",
        headers: viewer,
      });
      assert.equal(byViewer.status, 403);
      await byViewer.body?.cancel();
      const admin = { authorization: `Bearer ${await operatorToken(SESSION, "admin")}` };
      const requeued = await fetch(`${edge.url}/api/v1/dead-letters/${eventId}/requeue`, {
        method: "POST",
        headers: admin,
      });
      assert.equal(requeued.status, 200, await requeued.clone().text());
      await requeued.body?.cancel();
      const again = await lease({ waitMs: 0 });
      assert.deepEqual(again.map((e) => [githubJobIdOf(e), e.deliveries]), [[555, 1], [556, 1]]);
      await corePost(edge.url, keys.privateKeyPem, "/core/v1/ack", { leases: refs(again) })
        .then((r) => r.body?.cancel());
    });

    await t.step("bad lease bodies are refused with the field named", async () => {
      const response = await corePost(edge.url, keys.privateKeyPem, "/core/v1/lease", { max: 0 });
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.error.issues[0].path, "max");
    });

    await t.step("a lease body not sent as JSON is refused with 415", async () => {
      const token = await coreToken(keys.privateKeyPem);
      const response = await fetch(`${edge.url}/core/v1/lease`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
        body: JSON.stringify({ max: 1, waitMs: 0 }),
      });
      assert.equal(response.status, 415);
      assert.equal((await response.json()).error.code, "unsupported_media_type");
    });
  } finally {
    await edge.stop();
    await libsql.close();
  }
});
