/**
 * Sign-out revokes the session server-side, in workerd against libSQL: a
 * copied session token stops working at sign-out (not at its `exp`), through
 * the cookie and as a Bearer, on every console route, and still after the
 * edge restarts on the same state.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { auditEvents } from "../../shared/db/schema.ts";
import type { Edge } from "../support/edge.ts";
import { operatorToken } from "../support/operator.ts";
import {
  ADMIN,
  bootstrap,
  login,
  SESSION_SECRET,
  sessionCookieOf,
  startConsoleStack,
} from "./stack.ts";

const SIGNED_OUT = "session signed out; sign in again";

/** Console routes a revoked token must not open (viewer and admin, read and change). */
const ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: "GET", path: "/api/v1/jobs" },
  { method: "GET", path: "/api/v1/auth/me" },
  { method: "GET", path: "/api/v1/queue" },
  { method: "GET", path: "/api/v1/overview" },
  { method: "GET", path: "/api/v1/users" },
  {
    method: "POST",
    path: "/api/v1/users",
    body: { email: "x@example.com", password: "a password of length", role: "viewer" },
  },
  { method: "GET", path: "/api/v1/dead-letters" },
];

type Credential = { cookie: string } | { bearer: string };

async function call(
  url: string,
  path: string,
  credential: Credential | null,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (credential && "cookie" in credential) headers.cookie = credential.cookie;
  if (credential && "bearer" in credential) headers.authorization = `Bearer ${credential.bearer}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return await fetch(`${url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Signs in as the admin: the cookie pair and the bare token in it. */
async function signIn(url: string): Promise<{ cookie: string; token: string }> {
  const response = await login(url, ADMIN);
  assert.equal(response.status, 200, await response.clone().text());
  await response.body?.cancel();
  const cookie = sessionCookieOf(response);
  return { cookie, token: cookie.slice("__Host-gantry_session=".length) };
}

async function signOut(url: string, credential: Credential | null): Promise<Response> {
  const response = await call(url, "/api/v1/auth/logout", credential, {
    method: "POST",
    body: {},
  });
  await response.body?.cancel();
  return response;
}

async function assertSignedOut(response: Response, what: string): Promise<void> {
  assert.equal(response.status, 401, what);
  const body = await response.json();
  assert.equal(body.error.message, SIGNED_OUT, what);
}

async function assertStatus(response: Response, status: number, what: string): Promise<void> {
  assert.equal(response.status, status, `${what}: ${await response.text()}`);
}

Deno.test("sign-out revokes the session: a copied token is refused, also after a restart", async (t) => {
  const stack = await startConsoleStack();
  let restarted: Edge | null = null;
  try {
    const created = await bootstrap(stack.url, { ...ADMIN, name: "Admin" });
    assert.equal(created.status, 201);
    await created.body?.cancel();

    await t.step("signing out via the cookie refuses the copied token everywhere", async () => {
      const session = await signIn(stack.url);
      const { jti } = decodeJwt(session.token);
      assert.match(String(jti), /^[0-9a-f-]{36}$/, "the session carries a random id");
      await assertStatus(
        await call(stack.url, "/api/v1/jobs", { bearer: session.token }),
        200,
        "before sign-out the copy works",
      );

      const out = await signOut(stack.url, { cookie: session.cookie });
      assert.equal(out.status, 204);
      assert.match(out.headers.getSetCookie()[0], /^__Host-gantry_session=;.*Max-Age=0/i);

      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { bearer: session.token }),
        "the copied token as a Bearer",
      );
      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { cookie: session.cookie }),
        "the copied cookie",
      );
      for (const route of ROUTES) {
        await assertSignedOut(
          await call(stack.url, route.path, { bearer: session.token }, route),
          `${route.method} ${route.path}`,
        );
      }

      const again = await signOut(stack.url, { cookie: session.cookie });
      assert.equal(again.status, 204, "signing out twice is fine");
      const audit = await stack.db.select().from(auditEvents)
        .where(eq(auditEvents.action, "auth.logout"));
      assert.deepEqual(audit.map((a) => a.actor), [ADMIN.email], "one sign-out, one audit row");

      const fresh = await signIn(stack.url);
      await assertStatus(
        await call(stack.url, "/api/v1/jobs", { cookie: fresh.cookie }),
        200,
        "a fresh sign-in works",
      );
    });

    await t.step("signing out with only a Bearer token revokes it", async () => {
      const session = await signIn(stack.url);
      assert.equal((await signOut(stack.url, { bearer: session.token })).status, 204);
      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { cookie: session.cookie }),
        "the cookie of the Bearer-signed-out session",
      );
    });

    await t.step("a token without a jti (signed before ids existed) is revoked too", async () => {
      const legacy = await operatorToken(SESSION_SECRET, "admin");
      assert.equal(decodeJwt(legacy).jti, undefined);
      await assertStatus(
        await call(stack.url, "/api/v1/jobs", { bearer: legacy }),
        200,
        "accepted until signed out",
      );
      assert.equal((await signOut(stack.url, { bearer: legacy })).status, 204);
      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { bearer: legacy }),
        "the jti-less token after sign-out",
      );
    });

    await t.step("signing out without a session is a harmless 204", async () => {
      const out = await signOut(stack.url, null);
      assert.equal(out.status, 204);
    });

    await t.step("a restart keeps signed-out sessions refused", async () => {
      const before = await signIn(stack.url);
      const later = await signIn(stack.url);
      assert.equal((await signOut(stack.url, { cookie: before.cookie })).status, 204);

      restarted = await stack.edge.restart();
      assert.equal(restarted.url, stack.url, "same port and state directory");

      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { bearer: before.token }),
        "signed out before the restart",
      );
      await assertStatus(
        await call(stack.url, "/api/v1/jobs", { bearer: later.token }),
        200,
        "a session kept across the restart still works",
      );
      assert.equal((await signOut(stack.url, { cookie: later.cookie })).status, 204);
      await assertSignedOut(
        await call(stack.url, "/api/v1/jobs", { bearer: later.token }),
        "signed out after the restart",
      );
      const fresh = await signIn(stack.url);
      await assertStatus(
        await call(stack.url, "/api/v1/jobs", { cookie: fresh.cookie }),
        200,
        "a fresh sign-in works after the restart",
      );
    });
  } finally {
    await (restarted as Edge | null)?.stop();
    await stack.close();
  }
});
