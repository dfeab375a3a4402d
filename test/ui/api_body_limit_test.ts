/**
 * The `/api/*` body cap (about 64 KiB, edge/settings.ts API_MAX_BYTES) holds
 * for a chunked body too: with no Content-Length to trust, the edge counts
 * the stream as it reads and stops at the cap, before anything parses it.
 */
import assert from "node:assert/strict";
import { API_MAX_BYTES } from "../../edge/settings.ts";
import { chunkedBody } from "../support/chunked_body.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";

Deno.test("a chunked /api body over 64 KiB is refused with 413 too_large; one under it is parsed", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "body-limit-webhook-secret",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "body-limit-test-session-secret-0123456789",
    // Never reached: a body is judged before anything looks a user up.
    LIBSQL_URL: "http://127.0.0.1:9",
  });
  const signIn = (passwordBytes: number) =>
    fetch(`${edge.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunkedBody(JSON.stringify({
        email: "admin@example.com",
        password: "x".repeat(passwordBytes),
      })),
    });
  try {
    assert.equal(API_MAX_BYTES, 64 * 1024);
    // Under the cap the whole stream is read and parsed: the password is refused as too long.
    const under = await signIn(60 * 1024);
    assert.equal(under.status, 400);
    const parsed = await under.json();
    assert.equal(parsed.error.code, "invalid");
    assert.deepEqual(parsed.error.issues.map((issue: { path: string }) => issue.path), [
      "password",
    ]);
    // Last: after refusing a chunked upload part-read, `wrangler dev`'s local proxy answers
    // the next POST on that connection with a 503 restart.
    const over = await signIn(API_MAX_BYTES + 1024);
    assert.equal(over.status, 413);
    const refused = await over.json();
    assert.equal(refused.error.code, "too_large");
    assert.equal(refused.error.message, `request body exceeds ${API_MAX_BYTES} bytes`);
  } finally {
    await edge.stop();
  }
});
