/**
 * `POST /webhook` (edge/webhook/route.ts) at each of its checks, in workerd,
 * in the order it makes them: body size (exactly at the limit and one byte
 * over), signature (current, previous, absent, and no "undefined" or empty
 * key), content type, delivery id (128 characters and 129), event, JSON,
 * action, schema, job links on the GitHub server's origin; then the answer:
 * 202 queued, 200 duplicate. Fast enough to run per mutant.
 */
import assert from "node:assert/strict";
import { jobActionOf, queueClient } from "../support/queue_client.ts";
import { edgeForRun } from "../support/shared_edge.ts";
import { signBody, workflowJobPayload } from "../support/webhooks.ts";

const SECRET = "webhook-route-secret";
const PREVIOUS = "webhook-route-previous";
const SESSION = "webhook-route-session-secret-0123456789";
const METRICS_TOKEN = "webhook-route-metrics";
const MAX_BYTES = 32_768;

interface Sent {
  body?: string;
  secret?: string | null;
  headers?: Record<string, string | null>;
}

function sender(url: string) {
  return async ({ body = "{}", secret = SECRET, headers = {} }: Sent) => {
    const all: Record<string, string | null> = {
      "content-type": "application/json",
      "x-github-event": "workflow_job",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": secret === null ? null : await signBody(body, secret),
      ...headers,
    };
    const response = await fetch(`${url}/webhook`, {
      method: "POST",
      body,
      headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) as Record<
        string,
        string
      >,
    });
    const text = await response.text();
    const json = JSON.parse(text);
    return [response.status, json.error ? json.error.code : json] as const;
  };
}

const queuedBody = async (jobId: number, changes: Record<string, unknown> = {}) => {
  const payload = await workflowJobPayload({ action: "queued", jobId });
  Object.assign(payload.workflow_job as Record<string, unknown>, changes);
  return JSON.stringify(payload);
};

Deno.test("POST /webhook in workerd, check by check", async (t) => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: SECRET,
    GITHUB_WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
    SESSION_SECRET: SESSION,
    METRICS_TOKEN,
    WEBHOOK_MAX_BYTES: String(MAX_BYTES),
  });
  const send = sender(edge.url);
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: edge.keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  const stored = async () => {
    const { events } = await queue.lease({ max: 100, waitMs: 0 });
    if (events.length > 0) assert.equal(await queue.ack(events), events.length);
    return events;
  };
  try {
    await t.step("a body exactly at WEBHOOK_MAX_BYTES is read; one byte more is 413", async () => {
      const base = await queuedBody(1, { name: "" });
      const atLimit = await queuedBody(1, { name: "x".repeat(MAX_BYTES - base.length) });
      assert.equal(new TextEncoder().encode(atLimit).length, MAX_BYTES);
      assert.deepEqual(await send({ body: atLimit }), [202, { status: "queued" }]);
      const over = await queuedBody(2, { name: "x".repeat(MAX_BYTES - base.length + 1) });
      assert.deepEqual(await send({ body: over }), [413, "too_large"]);
      assert.deepEqual((await stored()).map(jobActionOf), ["1:queued"]);
    });

    await t.step("the current and the previous secret sign; nothing else does", async () => {
      assert.deepEqual(await send({ body: await queuedBody(3), secret: SECRET }), [202, {
        status: "queued",
      }]);
      assert.deepEqual(await send({ body: await queuedBody(4), secret: PREVIOUS }), [202, {
        status: "queued",
      }]);
      for (const secret of ["someone-else", "undefined", null]) {
        assert.deepEqual(
          await send({ body: await queuedBody(5), secret }),
          [401, "unauthorized"],
          String(secret),
        );
      }
      assert.deepEqual(
        await send({ body: await queuedBody(5), headers: { "x-hub-signature-256": "sha256=" } }),
        [401, "unauthorized"],
      );
      assert.deepEqual((await stored()).map(jobActionOf), ["3:queued", "4:queued"]);
    });

    await t.step("a signed body that is not JSON, by content type, is 415", async () => {
      for (const type of ["application/x-www-form-urlencoded", "text/json", null]) {
        assert.deepEqual(
          await send({ body: await queuedBody(6), headers: { "content-type": type } }),
          [415, "unsupported_media_type"],
          String(type),
        );
      }
      for (
        const [jobId, type] of [[7, "Application/JSON"], [8, "application/json; charset=utf-8"]]
      ) {
        assert.deepEqual(
          await send({
            body: await queuedBody(Number(jobId)),
            headers: { "content-type": `${type}` },
          }),
          [202, { status: "queued" }],
          `${type}`,
        );
      }
      assert.deepEqual((await stored()).map(jobActionOf), ["7:queued", "8:queued"]);
    });

    await t.step("the delivery id is required, up to 128 characters", async () => {
      assert.deepEqual(
        await send({ body: await queuedBody(9), headers: { "x-github-delivery": null } }),
        [400, "invalid"],
      );
      assert.deepEqual(
        await send({
          body: await queuedBody(9),
          headers: { "x-github-delivery": "d".repeat(129) },
        }),
        [400, "invalid"],
      );
      assert.deepEqual(
        await send({
          body: await queuedBody(9),
          headers: { "x-github-delivery": "d".repeat(128) },
        }),
        [202, { status: "queued" }],
      );
      const [event] = await stored();
      assert.equal(event.message.deliveryId, "d".repeat(128));
    });

    await t.step("ping is answered, other events are ignored, neither is stored", async () => {
      const ping = JSON.stringify({ zen: "Keep it simple." });
      assert.deepEqual(await send({ body: ping, headers: { "x-github-event": "ping" } }), [200, {
        status: "pong",
      }]);
      assert.deepEqual(
        await send({ body: await queuedBody(10), headers: { "x-github-event": "push" } }),
        [202, { status: "ignored", event: "push" }],
      );
      assert.deepEqual(
        await send({ body: await queuedBody(10), headers: { "x-github-event": null } }),
        [202, { status: "ignored" }],
      );
      assert.deepEqual(await stored(), []);
    });

    await t.step("a workflow_job body: JSON, then a known action, then the schema", async () => {
      assert.deepEqual(await send({ body: "{not json" }), [400, "invalid"]);
      assert.deepEqual(await send({ body: "null" }), [202, {
        status: "ignored",
        action: "undefined",
      }]);
      const unknown = JSON.parse(await queuedBody(11));
      unknown.action = "exploded";
      assert.deepEqual(await send({ body: JSON.stringify(unknown) }), [202, {
        status: "ignored",
        action: "exploded",
      }]);
      assert.deepEqual(await send({ body: await queuedBody(12, { id: "12" }) }), [400, "invalid"]);
      const sentFrom = Date.now();
      for (
        const [jobId, action] of [[13, "queued"], [13, "waiting"], [13, "in_progress"], [
          13,
          "completed",
        ]] as const
      ) {
        const payload = await workflowJobPayload({ action, jobId });
        assert.deepEqual(await send({ body: JSON.stringify(payload) }), [202, {
          status: "queued",
        }], action);
      }
      const sentTo = Date.now();
      const events = await stored();
      assert.deepEqual(events.map(jobActionOf), [
        "13:queued",
        "13:waiting",
        "13:in_progress",
        "13:completed",
      ]);
      for (const event of events) {
        assert.ok(event.message.receivedAt >= sentFrom && event.message.receivedAt <= sentTo);
      }
    });

    await t.step("a redelivery is 200 duplicate", async () => {
      const body = await queuedBody(14);
      const headers = { "x-github-delivery": "route-d-14" };
      assert.deepEqual(await send({ body, headers }), [202, { status: "queued" }]);
      assert.deepEqual(await send({ body, headers }), [200, { status: "duplicate" }]);
      assert.deepEqual((await stored()).map(jobActionOf), ["14:queued"]);
    });

    await t.step("each refusal says what to fix", async () => {
      const messageOf = async (sent: Sent) => {
        const response = await fetch(`${edge.url}/webhook`, {
          method: "POST",
          body: sent.body,
          headers: Object.fromEntries(
            Object.entries({
              "content-type": "application/json",
              "x-github-event": "workflow_job",
              "x-github-delivery": crypto.randomUUID(),
              "x-hub-signature-256": await signBody(sent.body ?? "", SECRET),
              ...sent.headers,
            }).filter(([, value]) => value !== null),
          ) as Record<string, string>,
        });
        return [response.status, (await response.json()).error.message];
      };
      const body = await queuedBody(18);
      assert.deepEqual(await messageOf({ body: "x".repeat(MAX_BYTES + 1) }), [
        413,
        `webhook body exceeds ${MAX_BYTES} bytes`,
      ]);
      assert.deepEqual(await messageOf({ body, headers: { "x-hub-signature-256": null } }), [
        401,
        "missing or invalid X-Hub-Signature-256",
      ]);
      assert.deepEqual(await messageOf({ body, headers: { "content-type": "text/plain" } }), [
        415,
        "set the webhook's content type to application/json",
      ]);
      assert.deepEqual(await messageOf({ body, headers: { "x-github-delivery": null } }), [
        400,
        "missing or invalid X-GitHub-Delivery header",
      ]);
      assert.deepEqual(await messageOf({ body: "{not json" }), [400, "body is not valid JSON"]);
      assert.deepEqual(await stored(), []);
    });

    await t.step("job links must be on github.com by default", async () => {
      const ghes = "https://ghe.example.com/octo/app/actions/runs/150/job/15";
      assert.deepEqual(await send({ body: await queuedBody(15, { html_url: ghes }) }), [
        400,
        "invalid",
      ]);
      assert.deepEqual(await stored(), []);
    });
  } finally {
    await edge.stop();
  }
});

Deno.test("with GITHUB_SERVER_URL, job links must be on that server; no previous secret", async () => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: SECRET,
    SESSION_SECRET: SESSION,
    METRICS_TOKEN,
    GITHUB_SERVER_URL: "https://ghe.example.com",
  });
  const send = sender(edge.url);
  const queue = queueClient(edge.url, {
    secret: SECRET,
    privateKeyPem: edge.keys.privateKeyPem,
    metricsToken: METRICS_TOKEN,
  });
  try {
    const link = (host: string) => `https://${host}/octo/app/actions/runs/160/job/16`;
    assert.deepEqual(
      await send({ body: await queuedBody(16, { html_url: link("github.com") }) }),
      [400, "invalid"],
    );
    assert.deepEqual(
      await send({ body: await queuedBody(16, { html_url: link("ghe.example.com") }) }),
      [202, { status: "queued" }],
    );
    // With no previous secret set, neither "undefined" nor the empty key signs.
    assert.deepEqual(await send({ body: await queuedBody(17), secret: "undefined" }), [
      401,
      "unauthorized",
    ]);
    // HMAC zero-pads its key, so "\0" signs as the empty key would (WebCrypto refuses "").
    assert.deepEqual(await send({ body: await queuedBody(17), secret: "\0" }), [
      401,
      "unauthorized",
    ]);
    const { events } = await queue.lease({ max: 10, waitMs: 0 });
    assert.deepEqual(
      events.map((e) => e.message.type === "workflow_job" && e.message.job.htmlUrl),
      [link("ghe.example.com")],
    );
  } finally {
    await edge.stop();
  }
});
