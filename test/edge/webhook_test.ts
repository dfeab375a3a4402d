/** `POST /webhook` in workerd: what is accepted, what is refused, and that refusals store nothing. */
import assert from "node:assert/strict";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { postWebhook, signBody, workflowJobPayload } from "../support/webhooks.ts";
import { githubJobIdOf, leaseAll } from "../support/core_token.ts";

const SECRET = "webhook-test-secret";
const PREVIOUS = "webhook-previous-secret";

Deno.test("webhook ingest in workerd", async (t) => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    GITHUB_WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    WEBHOOK_MAX_BYTES: "65536",
  });
  const queued = (jobId: number) =>
    workflowJobPayload({ action: "queued", jobId, labels: ["self-hosted"] });
  const raw = (body: string, headers: Record<string, string>) =>
    fetch(`${edge.url}/webhook`, { method: "POST", body, headers });
  try {
    await t.step("a signed queued webhook is accepted and leasable", async () => {
      const response = await postWebhook(edge.url, await queued(1), { secret: SECRET });
      assert.equal(response.status, 202);
      assert.deepEqual(await response.json(), { status: "queued" });
      const events = await leaseAll(edge.url, keys.privateKeyPem);
      assert.equal(events.length, 1);
      assert.equal(githubJobIdOf(events[0]), 1);
      assert.equal(events[0].deliveries, 1);
    });

    await t.step("the previous secret is accepted during rotation", async () => {
      const response = await postWebhook(edge.url, await queued(2), { secret: PREVIOUS });
      assert.equal(response.status, 202);
      assert.equal((await leaseAll(edge.url, keys.privateKeyPem)).length, 1);
    });

    await t.step("a redelivery is answered 200 duplicate and stored once", async () => {
      const payload = await queued(3);
      const first = await postWebhook(edge.url, payload, { secret: SECRET, deliveryId: "d-3" });
      assert.equal(first.status, 202);
      await first.body?.cancel();
      const again = await postWebhook(edge.url, payload, { secret: SECRET, deliveryId: "d-3" });
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), { status: "duplicate" });
      // Same job and action under a new delivery id is the same event too.
      const sameJob = await postWebhook(edge.url, payload, { secret: SECRET, deliveryId: "d-3b" });
      assert.deepEqual(await sameJob.json(), { status: "duplicate" });
      assert.equal((await leaseAll(edge.url, keys.privateKeyPem)).length, 1);
    });

    const refusals: [string, () => Promise<Response>, number, string][] = [
      [
        "bad signature",
        async () =>
          postWebhook(edge.url, await queued(10), {
            secret: SECRET,
            signature: "sha256=" + "ab".repeat(32),
          }),
        401,
        "unauthorized",
      ],
      [
        "signature under another secret",
        async () => postWebhook(edge.url, await queued(11), { secret: "someone-else" }),
        401,
        "unauthorized",
      ],
      [
        "missing signature",
        async () => postWebhook(edge.url, await queued(12), { secret: SECRET, signature: null }),
        401,
        "unauthorized",
      ],
      [
        "malformed JSON",
        async () => {
          const body = "{not json";
          return raw(body, {
            "content-type": "application/json",
            "x-github-event": "workflow_job",
            "x-github-delivery": "m-1",
            "x-hub-signature-256": await signBody(body, SECRET),
          });
        },
        400,
        "invalid",
      ],
      [
        "wrong content type",
        async () => {
          const body = "payload=%7B%7D";
          return raw(body, {
            "content-type": "application/x-www-form-urlencoded",
            "x-github-event": "workflow_job",
            "x-github-delivery": "m-2",
            "x-hub-signature-256": await signBody(body, SECRET),
          });
        },
        415,
        "unsupported_media_type",
      ],
      [
        "a body over the limit",
        async () => {
          const payload = await queued(13);
          (payload.workflow_job as Record<string, unknown>).name = "x".repeat(70_000);
          return postWebhook(edge.url, payload, { secret: SECRET });
        },
        413,
        "too_large",
      ],
      [
        "a job id that is a string",
        async () => {
          const payload = await queued(14);
          (payload.workflow_job as Record<string, unknown>).id = "14";
          return postWebhook(edge.url, payload, { secret: SECRET });
        },
        400,
        "invalid",
      ],
      [
        "labels with control characters",
        async () =>
          postWebhook(
            edge.url,
            await workflowJobPayload({
              action: "queued",
              jobId: 15,
              labels: ["self-hosted\u0007"],
            }),
            { secret: SECRET },
          ),
        400,
        "invalid",
      ],
      [
        "a 10 MB body",
        async () => {
          const payload = await queued(16);
          (payload.workflow_job as Record<string, unknown>).name = "x".repeat(10 * 1024 * 1024);
          return postWebhook(edge.url, payload, { secret: SECRET });
        },
        413,
        "too_large",
      ],
      [
        "10,000 labels",
        async () => {
          // Short labels, so the body stays under the size limit and the label cap is what refuses.
          const labels = Array.from({ length: 10_000 }, () => "x");
          return postWebhook(
            edge.url,
            await workflowJobPayload({ action: "queued", jobId: 18, labels }),
            { secret: SECRET },
          );
        },
        400,
        "invalid",
      ],
      [
        "a run id that is a string",
        async () => {
          const payload = await queued(19);
          (payload.workflow_job as Record<string, unknown>).run_id = "190";
          return postWebhook(edge.url, payload, { secret: SECRET });
        },
        400,
        "invalid",
      ],
    ];
    for (const [name, send, status, code] of refusals) {
      await t.step(`${name} → ${status}, nothing stored`, async () => {
        const response = await send();
        assert.equal(response.status, status);
        assert.equal((await response.json()).error.code, code);
        assert.equal((await leaseAll(edge.url, keys.privateKeyPem)).length, 0);
      });
    }

    await t.step(
      "an action Gantry does not know is answered 202 ignored, nothing stored",
      async () => {
        // GitHub adds actions over time; refusing them would make it retry and alarm for nothing.
        const payload = await queued(17);
        payload.action = "exploded";
        const response = await postWebhook(edge.url, payload, { secret: SECRET });
        assert.equal(response.status, 202);
        assert.deepEqual(await response.json(), { status: "ignored", action: "exploded" });
        assert.equal((await leaseAll(edge.url, keys.privateKeyPem)).length, 0);
      },
    );

    await t.step("ping is answered, other events are ignored with 202", async () => {
      const ping = await postWebhook(edge.url, { zen: "Keep it simple." }, {
        secret: SECRET,
        event: "ping",
      });
      assert.equal(ping.status, 200);
      await ping.body?.cancel();
      const push = await postWebhook(edge.url, { ref: "refs/heads/main" }, {
        secret: SECRET,
        event: "push",
      });
      assert.equal(push.status, 202);
      assert.equal((await push.json()).status, "ignored");
      assert.equal((await leaseAll(edge.url, keys.privateKeyPem)).length, 0);
    });

    await t.step("buffered events survive an edge restart", async () => {
      for (const jobId of [20, 21, 22]) {
        const response = await postWebhook(edge.url, await queued(jobId), { secret: SECRET });
        assert.equal(response.status, 202);
        await response.body?.cancel();
      }
      const restarted = await edge.restart();
      Object.assign(edge, restarted);
      const events = await leaseAll(edge.url, keys.privateKeyPem);
      assert.deepEqual(events.map((e) => githubJobIdOf(e)).sort(), [20, 21, 22]);
    });
  } finally {
    await edge.stop();
  }
});

Deno.test("/metrics reports queue depth and webhook outcomes, to a scraper token only", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN: "scrape-me",
  });
  try {
    const queued = await postWebhook(
      edge.url,
      await workflowJobPayload({ action: "queued", jobId: 5, labels: ["self-hosted"] }),
      { secret: SECRET },
    );
    await queued.body?.cancel();
    const forged = await postWebhook(
      edge.url,
      await workflowJobPayload({ action: "queued", jobId: 6, labels: ["self-hosted"] }),
      { secret: "wrong" },
    );
    await forged.body?.cancel();
    const anonymous = await fetch(`${edge.url}/metrics`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const wrong = await fetch(`${edge.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const response = await fetch(`${edge.url}/metrics`, {
      headers: { authorization: "Bearer scrape-me" },
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^gantry_queue_ready 1$/m);
    assert.match(text, /^gantry_webhooks_total\{outcome="accepted"\} 1$/m);
    assert.match(text, /^gantry_webhooks_total\{outcome="rejected",reason="unauthorized"\} 1$/m);
    await leaseAll(edge.url, keys.privateKeyPem);
    const after = await (await fetch(`${edge.url}/metrics`, {
      headers: { authorization: "Bearer scrape-me" },
    })).text();
    assert.match(after, /^gantry_queue_ready 0$/m);
    assert.match(after, /^gantry_lease_latency_ms_count 1$/m);
  } finally {
    await edge.stop();
  }
});

Deno.test("a flood of forged webhooks is counted in the isolate, not written per request", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    METRICS_TOKEN: "scrape-me",
  });
  const rejected = async () => {
    const text = await (await fetch(`${edge.url}/metrics`, {
      headers: { authorization: "Bearer scrape-me" },
    })).text();
    const match = /^gantry_webhooks_total\{outcome="rejected",reason="unauthorized"\} (\d+)$/m
      .exec(text);
    return Number(match?.[1] ?? 0);
  };
  try {
    for (let i = 0; i < 20; i++) {
      const forged = await postWebhook(
        edge.url,
        await workflowJobPayload({ action: "queued", jobId: 900 + i, labels: ["self-hosted"] }),
        { secret: "wrong" },
      );
      assert.equal(forged.status, 401);
      await forged.body?.cancel();
    }
    // The first refusal is flushed at once, the other 19 wait for the next flush (10 s).
    assert.ok((await rejected()) < 20, "not one queue-object write per refusal");
    const deadline = Date.now() + 30_000;
    let count = await rejected();
    while (count < 20 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      count = await rejected();
    }
    assert.equal(count, 20, "every refusal reaches /metrics within the flush interval");
  } finally {
    await edge.stop();
  }
});
