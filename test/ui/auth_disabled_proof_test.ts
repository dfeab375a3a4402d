/**
 * AUTH_DISABLED=true is safe only behind the proxy: every /api request must
 * carry a Cloudflare Access JWT (verified against the team's JWKS, served
 * here by a loopback stand-in at ACCESS_CERTS_URL) or the shared
 * PROXY_SECRET. Without proof the answer is 401, whatever the hostname.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { startConsoleStack } from "./stack.ts";

const TEAM = "gantry-test.cloudflareaccess.com";
const AUD = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const PROXY_SECRET = "proxy-secret-0123456789-abcdefghijklmnop";

Deno.test("AUTH_DISABLED=true answers only requests that prove they came through the proxy", async (t) => {
  const access = await generateKeyPair("RS256", { extractable: true });
  const stranger = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(access.publicKey)), kid: "access-1", alg: "RS256", use: "sig" };
  const certs = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ keys: [jwk] }),
  );
  const stack = await startConsoleStack({
    AUTH_DISABLED: "true",
    ACCESS_TEAM_DOMAIN: TEAM,
    ACCESS_AUD: AUD,
    ACCESS_CERTS_URL: `http://127.0.0.1:${certs.addr.port}/cdn-cgi/access/certs`,
    PROXY_SECRET,
  });
  const assertion = (options: { aud?: string; iss?: string; key?: CryptoKey } = {}) =>
    new SignJWT({ email: "ada@example.com", type: "app" })
      .setProtectedHeader({ alg: "RS256", kid: "access-1" })
      .setIssuer(options.iss ?? `https://${TEAM}`)
      .setAudience(options.aud ?? AUD)
      .setSubject("access-user-1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(options.key ?? access.privateKey);
  const me = (headers: Record<string, string>) => fetch(`${stack.url}/api/v1/auth/me`, { headers });
  try {
    await t.step("no proof is 401, also under another hostname", async () => {
      const hosts: Record<string, string>[] = [{}, { host: "gantry.example.workers.dev" }];
      for (const headers of hosts) {
        for (const path of ["/api/v1/auth/me", "/api/v1/jobs", "/api/v1/users"]) {
          const response = await fetch(`${stack.url}${path}`, { headers });
          assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
          assert.match(
            (await response.json()).error.message,
            /did not come through the authenticating proxy/,
          );
        }
      }
    });

    await t.step("the shared proxy secret proves it; a wrong one does not", async () => {
      const right = await me({ "x-gantry-proxy-secret": PROXY_SECRET });
      assert.equal(right.status, 200);
      assert.equal((await right.json()).role, "admin");
      const wrong = await me({ "x-gantry-proxy-secret": `${PROXY_SECRET}x` });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
    });

    await t.step("a valid Access JWT proves it, and names the person", async () => {
      const response = await me({ "cf-access-jwt-assertion": await assertion() });
      assert.equal(response.status, 200, await response.clone().text());
      const session = await response.json();
      assert.equal(session.email, "ada@example.com");
      assert.equal(session.id, "auth-disabled");
    });

    await t.step("an Access JWT for another app, team or key is refused", async () => {
      const forged = [
        await assertion({ aud: "another-application" }),
        await assertion({ iss: "https://other-team.cloudflareaccess.com" }),
        await assertion({ key: stranger.privateKey }),
        "not.a.jwt",
      ];
      for (const token of forged) {
        const response = await me({ "cf-access-jwt-assertion": token });
        assert.equal(response.status, 401);
        assert.match((await response.json()).error.message, /Access assertion rejected/);
      }
    });
  } finally {
    await stack.close();
    await certs.shutdown();
  }
});
