/** Runner instances ↔ edge in workerd: the JIT config is fetched once, by its instance only. */
import assert from "node:assert/strict";
import { importPKCS8, SignJWT } from "jose";
import { RUNNER_TOKEN_AUDIENCE } from "../../shared/schema/runner.ts";
import { corePost, leaseAll } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";

async function runnerToken(
  privateKeyPem: string,
  claims: { jobId: string; runnerName: string; expiresInS?: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ runner: claims.runnerName })
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject(claims.jobId)
    .setAudience(RUNNER_TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInS ?? 600))
    .sign(await importPKCS8(privateKeyPem, "EdDSA"));
}

Deno.test("runner configs and callbacks in workerd", async (t) => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
  });
  const instanceId = "i-0123456789abcdef0";
  const deposit = (runnerName: string, options: { instance?: string; expiresAt?: number } = {}) =>
    corePost(edge.url, keys.privateKeyPem, "/core/v1/runner-configs", {
      jobId: "77",
      runnerName,
      instanceId: options.instance ?? instanceId,
      encodedJitConfig: btoa(`jit for ${runnerName}`),
      expiresAt: options.expiresAt ?? Date.now() + 600_000,
    });
  const fetchConfig = async (token: string, instance = instanceId) =>
    await fetch(`${edge.url}/runner/v1/config`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ instanceId: instance }),
    });
  try {
    await t.step("the instance fetches its config once; a second fetch is refused", async () => {
      assert.equal((await deposit("gantry-77-1")).status, 201);
      const token = await runnerToken(keys.privateKeyPem, {
        jobId: "77",
        runnerName: "gantry-77-1",
      });
      const first = await fetchConfig(token);
      assert.equal(first.status, 200);
      assert.equal(atob((await first.json()).encodedJitConfig), "jit for gantry-77-1");
      const second = await fetchConfig(token);
      assert.equal(second.status, 410);
      assert.equal((await second.json()).error.code, "gone");
      // Once fetched, a deposit cannot re-arm the config.
      assert.equal((await deposit("gantry-77-1")).status, 409);
    });

    await t.step("a token for another instance is refused", async () => {
      await deposit("gantry-77-2").then((r) => r.body?.cancel());
      const token = await runnerToken(keys.privateKeyPem, {
        jobId: "77",
        runnerName: "gantry-77-2",
      });
      const response = await fetchConfig(token, "i-0fffffffffffffff0");
      assert.equal(response.status, 401);
      await response.body?.cancel();
      assert.equal((await fetchConfig(token)).status, 200, "still there for the right instance");
    });

    await t.step("an expired token or an expired config is refused", async () => {
      await deposit("gantry-77-3", { expiresAt: Date.now() + 300 }).then((r) => r.body?.cancel());
      const expired = await runnerToken(keys.privateKeyPem, {
        jobId: "77",
        runnerName: "gantry-77-3",
        expiresInS: -10,
      });
      const byToken = await fetchConfig(expired);
      assert.equal(byToken.status, 401);
      await byToken.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 400));
      const fresh = await runnerToken(keys.privateKeyPem, {
        jobId: "77",
        runnerName: "gantry-77-3",
      });
      const byDeposit = await fetchConfig(fresh);
      assert.equal(byDeposit.status, 410);
      await byDeposit.body?.cancel();
    });

    await t.step("a config not yet deposited answers 404 so the instance retries", async () => {
      const token = await runnerToken(keys.privateKeyPem, {
        jobId: "77",
        runnerName: "gantry-77-9",
      });
      const response = await fetchConfig(token);
      assert.equal(response.status, 404);
      await response.body?.cancel();
    });

    await t.step(
      "lifecycle events become queue events for the core; bootstrap logs included",
      async () => {
        await deposit("gantry-77-4").then((r) => r.body?.cancel());
        const token = await runnerToken(keys.privateKeyPem, {
          jobId: "77",
          runnerName: "gantry-77-4",
        });
        const post = (body: unknown) =>
          fetch(`${edge.url}/runner/v1/event`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const failed = await post({
          instanceId,
          kind: "bootstrap-failed",
          log: "curl: (6) could not resolve",
        });
        assert.equal(failed.status, 202);
        await failed.body?.cancel();
        const spoofed = await post({ instanceId: "i-0eeeeeeeeeeeeeee0", kind: "booted" });
        assert.equal(spoofed.status, 401);
        await spoofed.body?.cancel();
        const tooLong = await post({
          instanceId,
          kind: "bootstrap-failed",
          log: "x".repeat(70_000),
        });
        assert.equal(tooLong.status, 400);
        await tooLong.body?.cancel();
        const events = await leaseAll(edge.url, keys.privateKeyPem);
        assert.equal(events.length, 1);
        const message = events[0].message;
        assert.equal(message.type, "runner_event");
        if (message.type === "runner_event") {
          assert.equal(message.kind, "bootstrap-failed");
          assert.equal(message.jobId, "77");
          assert.equal(message.log, "curl: (6) could not resolve");
        }
      },
    );

    await t.step("deposits need a core token", async () => {
      const response = await fetch(`${edge.url}/core/v1/runner-configs`, {
        method: "POST",
        body: "{}",
      });
      assert.equal(response.status, 401);
      await response.body?.cancel();
    });
  } finally {
    await edge.stop();
  }
});
