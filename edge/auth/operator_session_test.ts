import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { Hono } from "hono";
import { migrate } from "../../core/db/migrate.ts";
import { startLibsqlServer } from "../../test/support/libsql/server.ts";
import type { AppEnv, Env } from "../env.ts";
import { errorResponse } from "../errors.ts";
import { requireOperator, startSession } from "./operator_session.ts";

const SECRET = "operator-session-unit-test-secret-0123456789";

/**
 * The SessionRevocations namespace's two calls over a Set: the object itself
 * runs in workerd in test/ui/session_revocation_test.ts.
 */
function revocationsInMemory() {
  const revoked = new Set<string>();
  const stub = {
    isRevoked: (jti: string) => Promise.resolve(revoked.has(jti)),
    revoke: (jti: string) => Promise.resolve(void revoked.add(jti)),
  };
  return { idFromName: (name: string) => name, get: () => stub };
}

/** libSQL with one user per role (`u-viewer`, `u-admin`): every request reads the user's row. */
async function withUsers<T>(run: (libsqlUrl: string) => Promise<T>): Promise<T> {
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  try {
    await migrate(client);
    for (const role of ["viewer", "admin"]) {
      await client.execute({
        sql: "INSERT INTO users (id, email, role, created_at) VALUES (?, ?, ?, 0)",
        args: [`u-${role}`, `${role}@example.com`, role],
      });
    }
    return await run(libsql.url);
  } finally {
    client.close();
    await libsql.close();
  }
}

/** A tiny app with the real middleware: sign-in at /start, guarded routes at /read and /change. */
function appWith(vars: Partial<Env>) {
  const env = {
    SESSION_SECRET: SECRET,
    SESSION_REVOCATIONS: revocationsInMemory(),
    ...vars,
  } as unknown as Env;
  const app = new Hono<AppEnv>()
    .post("/start/:role", async (c) => {
      const role = c.req.param("role") === "admin" ? "admin" : "viewer";
      await startSession(c, { id: `u-${role}`, email: `${role}@example.com`, role }, {
        ttlSeconds: 60,
      });
      return c.body(null, 204);
    })
    .get("/read", requireOperator("viewer"), (c) => c.json(c.get("operator")))
    .post("/change", requireOperator("admin"), (c) => c.json({ ok: true }))
    .onError((error, c) => errorResponse(c, error));
  return (path: string, init?: RequestInit) =>
    app.request(`https://gantry.example.com${path}`, init, env);
}

Deno.test("a session cookie opens viewer routes; admin routes need the admin role", async () => {
  await withUsers(async (LIBSQL_URL) => {
    const call = appWith({ LIBSQL_URL });
    assert.equal((await call("/read")).status, 401);
    const viewer = (await call("/start/viewer", { method: "POST" })).headers.getSetCookie()[0];
    const cookie = { cookie: viewer.split(";")[0] };
    assert.equal((await call("/read", { headers: cookie })).status, 200);
    assert.equal((await call("/change", { method: "POST", headers: cookie })).status, 403);
    const admin = (await call("/start/admin", { method: "POST" })).headers.getSetCookie()[0];
    const adminCookie = { cookie: admin.split(";")[0] };
    assert.equal((await call("/change", { method: "POST", headers: adminCookie })).status, 200);
  });
});

Deno.test("a SESSION_SECRET shorter than 32 characters is refused, not used", async () => {
  const call = appWith({ SESSION_SECRET: "too-short-secret" });
  const started = await call("/start/admin", { method: "POST" });
  assert.equal(started.status, 500);
  const body = await started.json();
  assert.equal(body.error.code, "misconfigured");
  assert.match(body.error.message, /SESSION_SECRET must be at least 32 characters/);
  assert.deepEqual(started.headers.getSetCookie(), []);
});

Deno.test("AUTH_DISABLED=true lets every proxied request through as the auth-disabled admin", async () => {
  const PROXY_SECRET = "unit-test-proxy-secret-0123456789-abcdef";
  const call = appWith({ AUTH_DISABLED: "true", PROXY_SECRET });
  const proxied = { headers: { "x-gantry-proxy-secret": PROXY_SECRET } };
  assert.equal((await call("/read")).status, 401, "no proof, no entry");
  const read = await call("/read", proxied);
  assert.equal(read.status, 200);
  const operator = await read.json();
  assert.equal(operator.sub, "auth-disabled");
  assert.equal(operator.role, "admin");
  assert.equal((await call("/change", { method: "POST", ...proxied })).status, 200);
  const typo = appWith({ AUTH_DISABLED: "yes" });
  assert.equal((await typo("/read")).status, 500, "a typo is an error, never an open door");
});
