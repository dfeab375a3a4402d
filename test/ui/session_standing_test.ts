/**
 * Issue 15 in workerd against libSQL: operator identity is read live, the
 * lockout only slows the failing network, refusals write bounded audit rows,
 * bodies are capped before parsing, numeric vars are checked, job links are
 * GitHub's, and (issue 10) a stopped libSQL is a 503 with words, never a 500.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { auditEvents, users } from "../../shared/db/schema.ts";
import { chunkedBody } from "../support/chunked_body.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { postWebhook, signBody, workflowJobPayload } from "../support/webhooks.ts";
import {
  ADMIN,
  bootstrap,
  BOOTSTRAP_TOKEN,
  type ConsoleStack,
  login,
  SESSION_COOKIE,
  sessionCookieOf,
  startConsoleStack,
} from "./stack.ts";

const VIEWER = { email: "viewer@example.com", password: "viewer password 12345" };
const WEBHOOK_SECRET = "console-test-webhook-secret";

async function get(stack: ConsoleStack, path: string, cookie: string): Promise<Response> {
  return await fetch(`${stack.url}${path}`, { headers: { cookie } });
}

/** Polls `path` until it answers `status` (the edge trusts a row for ≤ 5 s); returns that answer. */
async function eventually(
  stack: ConsoleStack,
  path: string,
  cookie: string,
  status: number,
): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await get(stack, path, cookie);
    if (response.status === status || Date.now() > deadline) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function failedLoginRows(stack: ConsoleStack, actor: string) {
  return await stack.db.select().from(auditEvents).where(
    and(
      eq(auditEvents.action, "auth.login"),
      eq(auditEvents.actor, actor),
      eq(auditEvents.outcome, "failed"),
    ),
  );
}

Deno.test("edge security: live operator standing, lockout, audit, body limits", async (t) => {
  const stack = await startConsoleStack({
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
    LOGIN_MAX_FAILURES_PER_IP: "50",
  });
  try {
    const created = await bootstrap(stack.url, { ...ADMIN, name: "Admin" });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    const adminCookie = sessionCookieOf(await login(stack.url, ADMIN));
    const made = await fetch(`${stack.url}/api/v1/users`, {
      method: "POST",
      headers: { cookie: adminCookie, "content-type": "application/json" },
      body: JSON.stringify({ ...VIEWER, role: "admin" }),
    });
    assert.equal(made.status, 201, await made.clone().text());
    const { user: other } = await made.json();

    await t.step("the session cookie is __Host- prefixed: Secure, Path=/, no Domain", async () => {
      const response = await login(stack.url, ADMIN);
      const [cookie] = response.headers.getSetCookie();
      await response.body?.cancel();
      assert.ok(cookie.startsWith(`${SESSION_COOKIE}=ey`), cookie);
      assert.match(cookie, /; Secure/i);
      assert.match(cookie, /; Path=\//i);
      assert.doesNotMatch(cookie, /domain=/i);
    });

    await t.step(
      "a deleted operator's session is refused, and cannot create anything",
      async () => {
        const cookie = sessionCookieOf(await login(stack.url, VIEWER));
        const before = await get(stack, "/api/v1/users", cookie);
        assert.equal(before.status, 200);
        await before.body?.cancel();
        await stack.db.delete(users).where(eq(users.id, other.id));
        const after = await eventually(stack, "/api/v1/users", cookie, 401);
        assert.equal(after.status, 401);
        assert.match((await after.json()).error.message, /no longer exists/);
        const create = await fetch(`${stack.url}/api/v1/projects`, {
          method: "POST",
          headers: { cookie, "content-type": "application/json" },
          body: JSON.stringify({ name: "sneaky" }),
        });
        assert.equal(create.status, 401);
        await create.body?.cancel();
        // Back for the next steps.
        const again = await fetch(`${stack.url}/api/v1/users`, {
          method: "POST",
          headers: { cookie: adminCookie, "content-type": "application/json" },
          body: JSON.stringify({ ...VIEWER, role: "admin" }),
        });
        other.id = (await again.json()).user.id;
      },
    );

    await t.step(
      "an admin's demotion, disabling and 'end sessions' take effect at once",
      async () => {
        const cookie = sessionCookieOf(await login(stack.url, VIEWER));
        const patch = (body: unknown) =>
          fetch(`${stack.url}/api/v1/users/${other.id}`, {
            method: "PATCH",
            headers: { cookie: adminCookie, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const demoted = await patch({ role: "viewer" });
        assert.equal(demoted.status, 200, await demoted.clone().text());
        await demoted.body?.cancel();
        const asViewer = await eventually(stack, "/api/v1/users", cookie, 403);
        assert.equal(asViewer.status, 403, "the token still says admin; the row says viewer");
        await asViewer.body?.cancel();

        const disabled = await patch({ isDisabled: true });
        assert.equal(disabled.status, 200);
        await disabled.body?.cancel();
        const refused = await eventually(stack, "/api/v1/jobs", cookie, 401);
        assert.equal(refused.status, 401);
        assert.match((await refused.json()).error.message, /disabled/);
        const signIn = await login(stack.url, VIEWER, { "cf-connecting-ip": "10.50.0.1" });
        assert.equal(signIn.status, 401, "a disabled user cannot sign in");
        await signIn.body?.cancel();
        (await patch({ isDisabled: false })).body?.cancel();

        const fresh = sessionCookieOf(await login(stack.url, VIEWER));
        assert.equal((await get(stack, "/api/v1/jobs", fresh)).status, 200);
        const ended = await fetch(`${stack.url}/api/v1/users/${other.id}/end-sessions`, {
          method: "POST",
          headers: { cookie: adminCookie },
        });
        assert.equal(ended.status, 200);
        await ended.body?.cancel();
        const afterEnd = await eventually(stack, "/api/v1/jobs", fresh, 401);
        assert.equal(afterEnd.status, 401);
        assert.match((await afterEnd.json()).error.message, /ended this session/);
        const newer = sessionCookieOf(await login(stack.url, VIEWER));
        const ok = await get(stack, "/api/v1/jobs", newer);
        assert.equal(ok.status, 200, "a session signed in after the end works");
        await ok.body?.cancel();
        const audit = await stack.db.select().from(auditEvents)
          .where(eq(auditEvents.target, other.id));
        assert.deepEqual(
          audit.filter((row) => row.action.startsWith("user.")).map((row) => row.action),
          ["user.create", "user.role", "user.disable", "user.enable", "user.end_sessions"],
        );
      },
    );

    await t.step(
      "failures from one network never lock the account's owner out elsewhere",
      async () => {
        const attacker = { "cf-connecting-ip": "2001:db8:bad:1::1" };
        for (let i = 0; i < 6; i++) {
          const response = await login(stack.url, { ...ADMIN, password: `guess ${i}` }, {
            "cf-connecting-ip": `2001:db8:bad:1::${i + 1}`,
          });
          assert.ok([401, 429].includes(response.status), `guess ${i}: ${response.status}`);
          await response.body?.cancel();
        }
        const slowed = await login(stack.url, ADMIN, attacker);
        assert.equal(slowed.status, 429, "the attacker's /64 waits, whatever its host bits");
        assert.ok(Number(slowed.headers.get("retry-after")) >= 1);
        await slowed.body?.cancel();
        const owner = await login(stack.url, ADMIN, { "cf-connecting-ip": "198.51.100.7" });
        assert.equal(owner.status, 200, "the right password from a clean network is never refused");
        await owner.body?.cancel();
      },
    );

    await t.step("refused sign-ins write one audit row per key per window", async () => {
      const from = { "cf-connecting-ip": "203.0.113.9", "user-agent": "attacker-chosen" };
      for (let i = 0; i < 6; i++) {
        const response = await login(
          stack.url,
          { email: "nobody@example.com", password: "x" },
          from,
        );
        await response.body?.cancel();
      }
      const rows = await failedLoginRows(stack, "nobody@example.com");
      // 3 refusals (one row), then 3 waits once the account key is over its limit (one row).
      assert.deepEqual(rows.map((row) => row.payload?.reason), ["unknown_account", "rate_limited"]);

      const badTokens = [];
      for (let i = 0; i < 5; i++) {
        badTokens.push((await bootstrap(stack.url, ADMIN, `wrong-token-${i}`)).status);
      }
      assert.deepEqual(badTokens, [401, 401, 401, 401, 401]);
      const bootstrapRows = await stack.db.select().from(auditEvents).where(
        and(eq(auditEvents.action, "auth.bootstrap"), eq(auditEvents.outcome, "failed")),
      );
      assert.equal(
        bootstrapRows.filter((row) => row.payload?.reason === "bad_token").length,
        1,
        "5 bad bootstrap tokens, 1 row",
      );
    });

    await t.step("a 20 MB sign-in body is refused with 413 before it is parsed", async () => {
      const big = JSON.stringify({
        email: "a@example.com",
        password: "x".repeat(20 * 1024 * 1024),
      });
      const response = await fetch(`${stack.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      assert.equal(response.status, 413);
      assert.equal((await response.json()).error.code, "too_large");
    });

    await t.step("a signed webhook with a javascript: job link is refused", async () => {
      const payload = await workflowJobPayload({ action: "queued", jobId: 78, labels: ["x"] });
      (payload.workflow_job as Record<string, unknown>).html_url = "javascript:alert(1)";
      const response = await postWebhook(stack.url, payload, { secret: WEBHOOK_SECRET });
      assert.equal(response.status, 400, await response.clone().text());
      assert.match((await response.json()).error.message, /html_url/);
    });

    await t.step(
      "while libSQL is down every console route answers 503, sign-in included",
      async () => {
        const cookie = sessionCookieOf(
          await login(stack.url, ADMIN, {
            "cf-connecting-ip": "192.0.2.50",
          }),
        );
        await stack.libsql.close();
        const answers = [
          await login(stack.url, ADMIN, { "cf-connecting-ip": "192.0.2.51" }),
          await eventually(stack, "/api/v1/jobs", cookie, 503),
          await eventually(stack, "/api/v1/users", cookie, 503),
          await eventually(stack, "/api/v1/overview", cookie, 503),
          await eventually(stack, "/api/v1/auth/me", cookie, 503),
          await fetch(`${stack.url}/api/v1/auth/bootstrap`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${BOOTSTRAP_TOKEN}`,
              "content-type": "application/json",
            },
            body: JSON.stringify(ADMIN),
          }),
        ];
        for (const response of answers) {
          assert.equal(response.status, 503, response.url);
          const body = await response.json();
          assert.equal(body.error.code, "database_unavailable");
          assert.match(body.error.message, /libSQL at http:\/\/127\.0\.0\.1:\d+\) is unavailable/);
        }
      },
    );
  } finally {
    await stack.close();
  }
});

Deno.test("a numeric var that is not a number stops the edge with a message naming it", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "numeric-test-session-secret-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    WEBHOOK_MAX_BYTES: "1MB",
  });
  try {
    const payload = await workflowJobPayload({ action: "queued", jobId: 1, labels: ["x"] });
    const response = await postWebhook(edge.url, payload, { secret: WEBHOOK_SECRET });
    assert.equal(response.status, 500);
    const body = await response.json();
    assert.equal(body.error.code, "misconfigured");
    assert.match(body.error.message, /WEBHOOK_MAX_BYTES must be a whole number, not "1MB"/);
  } finally {
    await edge.stop();
  }
});

Deno.test("a chunked webhook over WEBHOOK_MAX_BYTES is refused with 413", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "chunked-test-session-secret-0123456789",
    LIBSQL_URL: "http://127.0.0.1:9",
    WEBHOOK_MAX_BYTES: "65536",
  });
  // Its own edge, and the last request to it: after refusing a chunked upload part-read,
  // `wrangler dev`'s local proxy answers the next POST on that connection with a 503 restart.
  try {
    const payload = await workflowJobPayload({ action: "queued", jobId: 77, labels: ["x"] });
    (payload.workflow_job as Record<string, unknown>).name = "x".repeat(2 * 1024 * 1024);
    const body = JSON.stringify(payload);
    const response = await fetch(`${edge.url}/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await signBody(body, WEBHOOK_SECRET),
      },
      body: chunkedBody(body),
    });
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error.code, "too_large");
  } finally {
    await edge.stop();
  }
});
