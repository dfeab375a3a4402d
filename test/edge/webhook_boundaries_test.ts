/**
 * Webhook secrets and queue dedupe at their edges, in workerd: a previous
 * secret that is absent or empty admits nothing (no "undefined" or "" key),
 * an empty current secret admits nothing at all, and the queue keeps one
 * event per job and action: every action of a job is stored, a redelivery of
 * any of them is a duplicate.
 */
import assert from "node:assert/strict";
import { coreKeyPair, type EdgeSecrets, startEdge } from "../support/edge.ts";
import { postWebhook, signBody, workflowJobPayload } from "../support/webhooks.ts";
import { githubJobIdOf, leaseAll } from "../support/core_token.ts";

const SECRET = "boundary-test-secret";

async function edgeWith(secrets: Partial<EdgeSecrets>) {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "boundary-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    ...secrets,
  });
  return { edge, keys };
}

/** The status of a queued webhook for a fresh job, signed with each secret in turn. */
async function statusesSignedBy(url: string, secrets: string[], firstJobId: number) {
  const statuses: Record<string, number> = {};
  for (const [i, secret] of secrets.entries()) {
    const payload = await workflowJobPayload({ action: "queued", jobId: firstJobId + i });
    // HMAC zero-pads its key, so "\0" signs as the empty key would (WebCrypto refuses "").
    const signature = await signBody(JSON.stringify(payload), secret === "" ? "\0" : secret);
    const response = await postWebhook(url, payload, { secret, signature });
    await response.body?.cancel();
    statuses[JSON.stringify(secret)] = response.status;
  }
  return statuses;
}

Deno.test("webhook secrets: previous absent, empty, set; current empty", async (t) => {
  const candidates = [SECRET, "undefined", "", "null", "previous"];
  const cases: [string, Partial<EdgeSecrets>, Record<string, number>][] = [
    ["no previous secret: only the current one signs", {}, {
      '"boundary-test-secret"': 202,
      '"undefined"': 401,
      '""': 401,
      '"null"': 401,
      '"previous"': 401,
    }],
    ["an empty previous secret is no secret", { GITHUB_WEBHOOK_SECRET_PREVIOUS: "" }, {
      '"boundary-test-secret"': 202,
      '"undefined"': 401,
      '""': 401,
      '"null"': 401,
      '"previous"': 401,
    }],
    ["a set previous secret signs too", { GITHUB_WEBHOOK_SECRET_PREVIOUS: "previous" }, {
      '"boundary-test-secret"': 202,
      '"undefined"': 401,
      '""': 401,
      '"null"': 401,
      '"previous"': 202,
    }],
    ["an empty current secret admits nothing", { GITHUB_WEBHOOK_SECRET: "" }, {
      '"boundary-test-secret"': 401,
      '"undefined"': 401,
      '""': 401,
      '"null"': 401,
      '"previous"': 401,
    }],
  ];
  for (const [name, secrets, expected] of cases) {
    await t.step(name, async () => {
      const { edge, keys } = await edgeWith(secrets);
      try {
        assert.deepEqual(await statusesSignedBy(edge.url, candidates, 100), expected);
        const stored = await leaseAll(edge.url, keys.privateKeyPem);
        const accepted = Object.values(expected).filter((status) => status === 202).length;
        assert.equal(stored.length, accepted, "a refused webhook stores nothing");
      } finally {
        await edge.stop();
      }
    });
  }
});

Deno.test("queue dedupe: one event per job and action, whatever the delivery id", async () => {
  const { edge, keys } = await edgeWith({});
  try {
    const post = async (action: "queued" | "in_progress" | "completed", jobId: number) => {
      const response = await postWebhook(
        edge.url,
        await workflowJobPayload({ action, jobId, runnerName: "gantry-7-1" }),
        { secret: SECRET },
      );
      return [response.status, (await response.json()).status];
    };
    assert.deepEqual(await post("queued", 7), [202, "queued"]);
    assert.deepEqual(await post("in_progress", 7), [202, "queued"], "another action, same job");
    assert.deepEqual(await post("completed", 7), [202, "queued"]);
    assert.deepEqual(await post("queued", 8), [202, "queued"], "same action, another job");
    for (const action of ["queued", "in_progress", "completed"] as const) {
      assert.deepEqual(await post(action, 7), [200, "duplicate"], `${action} again`);
    }
    const events = await leaseAll(edge.url, keys.privateKeyPem);
    assert.deepEqual(
      events.map((e) => {
        const message = e.message as { action: string };
        return `${githubJobIdOf(e)}:${message.action}`;
      }).sort(),
      ["7:completed", "7:in_progress", "7:queued", "8:queued"],
    );
  } finally {
    await edge.stop();
  }
});
