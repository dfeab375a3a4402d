/**
 * Runner instances ↔ edge in workerd: one batch token serves every instance
 * of a launch; each instance fetches its own JIT config once, by instance id,
 * proving which instance it is with AWS's signed identity document (the
 * first test runs with that check off, as the simulated dev stack does).
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { importPKCS8, SignJWT } from "jose";
import { migrate } from "../../core/db/migrate.ts";
import { RUNNER_TOKEN_AUDIENCE } from "../../shared/schema/runner.ts";
import { corePost, leaseAll } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { createIdentitySigner } from "../support/imds/identity_signer.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";

async function batchToken(
  privateKeyPem: string,
  claims: { batchId: string; expiresInS?: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject(claims.batchId)
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
  const instance = (n: number) => `i-0123456789abcde${n.toString(16).padStart(2, "0")}`;
  const deposit = (
    batchId: string,
    instances: { instanceId: string; jobId: string; expiresAt?: number }[],
  ) =>
    corePost(edge.url, keys.privateKeyPem, "/core/v1/runner-configs", {
      deposits: instances.map(({ instanceId, jobId, expiresAt }) => ({
        batchId,
        instanceId,
        jobId,
        runnerName: `gantry-${jobId}-1`,
        encodedJitConfig: btoa(`jit for ${jobId}`),
        expiresAt: expiresAt ?? Date.now() + 600_000,
      })),
    });
  const fetchConfig = async (token: string, instanceId: string) =>
    await fetch(`${edge.url}/runner/v1/config`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ instanceId }),
    });
  try {
    await t.step(
      "each instance of a batch fetches its own config with the batch token",
      async () => {
        const stored = await deposit("gbatch-2-0-a", [
          { instanceId: instance(1), jobId: "71" },
          { instanceId: instance(2), jobId: "72" },
        ]);
        assert.equal(stored.status, 201, await stored.clone().text());
        await stored.body?.cancel();
        const token = await batchToken(keys.privateKeyPem, { batchId: "gbatch-2-0-a" });
        for (const [n, jobId] of [[2, "72"], [1, "71"]] as const) {
          const response = await fetchConfig(token, instance(n));
          assert.equal(response.status, 200);
          const body = await response.json();
          assert.equal(atob(body.encodedJitConfig), `jit for ${jobId}`);
          assert.equal(body.runnerName, `gantry-${jobId}-1`);
        }
      },
    );

    await t.step("a second fetch is refused, and a deposit cannot re-arm it", async () => {
      const token = await batchToken(keys.privateKeyPem, { batchId: "gbatch-2-0-a" });
      const second = await fetchConfig(token, instance(1));
      assert.equal(second.status, 410);
      assert.equal((await second.json()).error.code, "gone");
      const again = await deposit("gbatch-2-0-a", [{ instanceId: instance(1), jobId: "71" }]);
      assert.equal(again.status, 409);
      await again.body?.cancel();
    });

    await t.step("a token for another batch is refused", async () => {
      await deposit("gbatch-1-0-b", [{ instanceId: instance(3), jobId: "73" }])
        .then((r) => r.body?.cancel());
      const other = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-c" });
      const response = await fetchConfig(other, instance(3));
      assert.equal(response.status, 401);
      await response.body?.cancel();
      const own = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-b" });
      assert.equal((await fetchConfig(own, instance(3))).status, 200, "still there for its batch");
    });

    await t.step("an expired token, or an expired config, is refused", async () => {
      await deposit("gbatch-1-0-d", [
        { instanceId: instance(4), jobId: "74", expiresAt: Date.now() + 300 },
      ]).then((r) => r.body?.cancel());
      const expired = await batchToken(keys.privateKeyPem, {
        batchId: "gbatch-1-0-d",
        expiresInS: -10,
      });
      const byToken = await fetchConfig(expired, instance(4));
      assert.equal(byToken.status, 401);
      await byToken.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 400));
      const fresh = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-d" });
      const byDeposit = await fetchConfig(fresh, instance(4));
      assert.equal(byDeposit.status, 410);
      await byDeposit.body?.cancel();
    });

    await t.step("a config not yet deposited answers 404 so the instance retries", async () => {
      const token = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-e" });
      const response = await fetchConfig(token, instance(9));
      assert.equal(response.status, 404);
      await response.body?.cancel();
    });

    await t.step(
      "a standby's placeholder is never handed out: 404 while it waits, then its job's config",
      async () => {
        await deposit("s-standby-a", [{ instanceId: instance(10), jobId: "standby" }])
          .then((r) => r.body?.cancel());
        const token = await batchToken(keys.privateKeyPem, { batchId: "s-standby-a" });
        const waiting = await fetchConfig(token, instance(10));
        assert.equal(waiting.status, 404);
        await waiting.body?.cancel();
        // The job's deposit replaces the placeholder (nothing was fetched) and is handed out.
        const stored = await deposit("s-standby-a", [{ instanceId: instance(10), jobId: "76" }]);
        assert.equal(stored.status, 201);
        await stored.body?.cancel();
        const resumed = await fetchConfig(token, instance(10));
        assert.equal(resumed.status, 200);
        assert.equal(atob((await resumed.json()).encodedJitConfig), "jit for 76");
      },
    );

    await t.step("the batch token is checked before the body, then the media type", async () => {
      const token = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-g" });
      const send = (headers: Record<string, string>, body: string) =>
        fetch(`${edge.url}/runner/v1/config`, { method: "POST", headers, body });
      const cases: [string, Record<string, string>, string, number, string][] = [
        ["no token, garbage body", {}, "not json", 401, "unauthorized"],
        [
          "token, text/plain",
          { authorization: `Bearer ${token}` },
          "{}",
          415,
          "unsupported_media_type",
        ],
        [
          "token, JSON type, not JSON",
          { authorization: `Bearer ${token}`, "content-type": "application/json" },
          "{",
          400,
          "invalid",
        ],
        [
          "token, JSON, no instance id",
          { authorization: `Bearer ${token}`, "content-type": "application/json" },
          "{}",
          400,
          "invalid",
        ],
      ];
      for (const [what, headers, body, status, code] of cases) {
        const response = await send(headers, body);
        assert.equal(response.status, status, what);
        assert.equal((await response.json()).error.code, code, what);
      }
    });

    await t.step(
      "lifecycle events become queue events for the instance's job; bootstrap logs included",
      async () => {
        await deposit("gbatch-1-0-f", [{ instanceId: instance(5), jobId: "75" }])
          .then((r) => r.body?.cancel());
        const token = await batchToken(keys.privateKeyPem, { batchId: "gbatch-1-0-f" });
        const post = (body: unknown) =>
          fetch(`${edge.url}/runner/v1/event`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(body),
          });
        const failed = await post({
          instanceId: instance(5),
          kind: "bootstrap-failed",
          log: "curl: (6) could not resolve",
        });
        assert.equal(failed.status, 202);
        await failed.body?.cancel();
        const spoofed = await post({ instanceId: instance(3), kind: "booted" });
        assert.equal(spoofed.status, 401, "an instance of another batch");
        await spoofed.body?.cancel();
        const tooLong = await post({
          instanceId: instance(5),
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
          assert.equal(message.jobId, "75");
          assert.equal(message.runnerName, "gantry-75-1");
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

Deno.test("instance identity: a batch token acts for one instance only, proven by AWS's signature", async (t) => {
  const keys = await coreKeyPair();
  const signer = await createIdentitySigner();
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  await migrate(client);
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: libsql.url,
    INSTANCE_IDENTITY_CERTIFICATES: JSON.stringify({ "eu-west-1": signer.certificatePem }),
  });
  const batchId = "gbatch-2-0-id";
  const issuedAtS = Math.floor(Date.now() / 1000);
  const launchedAt = new Date(issuedAtS * 1000 + 3_000);
  const [mine, sibling] = ["i-0a11000000000001", "i-0a11000000000002"];
  const proof = async (
    fields: { instanceId: string; pendingTime?: Date; region?: string },
    sign: (document: string) => Promise<string> = signer.sign,
  ) => {
    const document = signer.document({
      pendingTime: launchedAt,
      region: "eu-west-1",
      ...fields,
    });
    return { document: btoa(document), signature: await sign(document) };
  };
  const token = await batchToken(keys.privateKeyPem, { batchId });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${edge.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const audited = async () =>
    (await client.execute(
      "SELECT target, json_extract(payload, '$.reason') AS reason, " +
        "json_extract(payload, '$.route') AS route, outcome FROM audit_events " +
        "WHERE action = 'runner.identity' ORDER BY id",
    )).rows.map((row) => `${row.target} ${row.route} ${row.reason} ${row.outcome}`);
  try {
    const deposited = await corePost(edge.url, keys.privateKeyPem, "/core/v1/runner-configs", {
      deposits: [mine, sibling].map((instanceId, n) => ({
        batchId,
        instanceId,
        jobId: `9${n}`,
        runnerName: `gantry-9${n}-1`,
        encodedJitConfig: btoa(`jit for ${instanceId}`),
        expiresAt: Date.now() + 600_000,
      })),
    });
    assert.equal(deposited.status, 201);
    await deposited.body?.cancel();

    await t.step(
      "bad, missing, expired or mismatched identities are refused and audited",
      async () => {
        const other = await createIdentitySigner();
        const cases: [string, unknown, number, string][] = [
          ["missing", undefined, 401, "missing"],
          [
            "signed by another key",
            await proof({ instanceId: mine }, other.sign),
            401,
            "bad_signature",
          ],
          [
            "a document altered after signing",
            {
              ...(await proof({ instanceId: mine })),
              document: btoa(
                signer.document({
                  instanceId: mine,
                  pendingTime: launchedAt,
                  region: "eu-west-1",
                  instanceType: "x2idn.metal",
                }),
              ),
            },
            401,
            "bad_signature",
          ],
          ["not a document", { document: btoa("hello"), signature: "AAAA" }, 401, "malformed"],
          [
            "an instance launched before this batch",
            await proof({ instanceId: mine, pendingTime: new Date(issuedAtS * 1000 - 3600_000) }),
            401,
            "expired",
          ],
          [
            "the sibling's own, valid identity",
            await proof({ instanceId: sibling }),
            403,
            "mismatch",
          ],
          [
            "a region without a certificate",
            await proof({ instanceId: mine, region: "ap-south-2" }),
            403,
            "unknown_region",
          ],
        ];
        for (const [name, identity, status, reason] of cases) {
          const answer = await post("/runner/v1/config", { instanceId: mine, identity });
          assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.encodedJitConfig, undefined, name);
          assert.equal(answer.body.error.code, status === 401 ? "unauthorized" : "forbidden", name);
          assert.equal((await audited()).at(-1), `${mine} config ${reason} failed`, name);
        }
        assert.equal((await audited()).length, cases.length);
      },
    );

    await t.step(
      "nothing was handed out: the instance itself still gets its config, once",
      async () => {
        const first = await post("/runner/v1/config", {
          instanceId: mine,
          identity: await proof({ instanceId: mine }),
        });
        assert.equal(first.status, 200);
        assert.equal(atob(first.body.encodedJitConfig), `jit for ${mine}`);
        const again = await post("/runner/v1/config", {
          instanceId: mine,
          identity: await proof({ instanceId: mine }),
        });
        assert.equal(again.status, 410);
      },
    );

    await t.step("a sibling cannot report for another instance", async () => {
      const spoofed = await post("/runner/v1/event", {
        instanceId: sibling,
        identity: await proof({ instanceId: mine }),
        kind: "bootstrap-failed",
        log: "not mine to say",
      });
      assert.equal(spoofed.status, 403);
      assert.equal((await audited()).at(-1), `${sibling} event mismatch failed`);
      const own = await post("/runner/v1/event", {
        instanceId: mine,
        identity: await proof({ instanceId: mine }),
        kind: "booted",
      });
      assert.equal(own.status, 202);
      const events = await leaseAll(edge.url, keys.privateKeyPem);
      assert.deepEqual(
        events.map((e) =>
          e.message.type === "runner_event" && [e.message.instanceId, e.message.kind]
        ),
        [[mine, "booted"]],
      );
    });
  } finally {
    await edge.stop();
    client.close();
    await libsql.close();
  }
});

Deno.test("an edge without identity certificates hands out no config and says why", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
    INSTANCE_IDENTITY_CERTIFICATES: "",
  });
  try {
    const response = await fetch(`${edge.url}/runner/v1/config`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await batchToken(keys.privateKeyPem, { batchId: "gbatch-x" })}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ instanceId: "i-0a11000000000009" }),
    });
    assert.equal(response.status, 500);
    const body = await response.json();
    assert.equal(body.error.code, "misconfigured");
    assert.match(body.error.message, /INSTANCE_IDENTITY_CERTIFICATES is not set/);
  } finally {
    await edge.stop();
  }
});
