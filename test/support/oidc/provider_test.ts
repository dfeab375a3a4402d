import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { s256, startOidcProvider } from "./provider.ts";

const CALLBACK = "http://127.0.0.1:1/api/v1/auth/oidc/callback";
const VERIFIER = "a-pkce-code-verifier-that-is-long-enough-0123456789";

async function authorize(issuer: string, overrides: Record<string, string> = {}) {
  const url = new URL(`${issuer.replace("localhost", "127.0.0.1")}/authorize`);
  const params = {
    response_type: "code",
    client_id: "gantry-console",
    redirect_uri: CALLBACK,
    scope: "openid email",
    state: "s1",
    nonce: "n1",
    code_challenge: await s256(VERIFIER),
    code_challenge_method: "S256",
    ...overrides,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  return response;
}

Deno.test("the stand-in provider issues a signed ID token only for the right PKCE verifier", async () => {
  const provider = await startOidcProvider({ host: "127.0.0.1" });
  try {
    provider.registerRedirectUri(CALLBACK);
    provider.signInAs({ sub: "u1", email: "ada@example.com", groups: ["ci"] });
    const exchange = async (verifier: string) => {
      const back = new URL((await authorize(provider.issuer)).headers.get("location")!);
      assert.equal(back.searchParams.get("state"), "s1");
      assert.equal(back.searchParams.get("iss"), provider.issuer);
      return await fetch(`${provider.issuer}/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${provider.clientId}:${provider.clientSecret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: back.searchParams.get("code")!,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }),
      });
    };
    const wrong = await exchange("another-verifier-of-the-right-length-0123456789abc");
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).error, "invalid_grant");
    const right = await exchange(VERIFIER);
    assert.equal(right.status, 200);
    const { id_token } = await right.json();
    const { payload } = await jwtVerify(
      id_token,
      createRemoteJWKSet(new URL(`${provider.issuer}/jwks`)),
      { issuer: provider.issuer, audience: provider.clientId },
    );
    assert.equal(payload.email, "ada@example.com");
    assert.equal(payload.nonce, "n1");
    assert.deepEqual(payload.groups, ["ci"]);
    assert.deepEqual(provider.exchanges.map((e) => e.isPkceVerified), [false, true]);
  } finally {
    await provider.close();
  }
});

Deno.test("the stand-in provider refuses unregistered callbacks and plain (non-S256) PKCE", async () => {
  const provider = await startOidcProvider({ host: "127.0.0.1" });
  try {
    provider.registerRedirectUri(CALLBACK);
    const unregistered = await authorize(provider.issuer, {
      redirect_uri: "https://evil.example/cb",
    });
    assert.equal(unregistered.status, 400, "never redirects to an unknown callback");
    const plain = await authorize(provider.issuer, { code_challenge_method: "plain" });
    const back = new URL(plain.headers.get("location")!);
    assert.equal(back.searchParams.get("error"), "invalid_request");
    assert.equal(back.searchParams.get("code"), null);
  } finally {
    await provider.close();
  }
});
