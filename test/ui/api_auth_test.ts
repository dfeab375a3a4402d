/**
 * The console API's sign-in and access rules in workerd against libSQL:
 * one-time bootstrap, local sign-in and its cookie, sign-out, CSRF, roles,
 * rate limits, the audit trail, and the console's static assets.
 */
import assert from "node:assert/strict";
import { and, asc, eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { auditEvents, users } from "../../shared/db/schema.ts";
import { operatorToken } from "../support/operator.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  login,
  SESSION_SECRET,
  sessionCookieOf,
  startConsoleStack,
} from "./stack.ts";

const VIEWER = { email: "viewer@example.com", password: "viewer password 12345" };

/** Every console API route and the role it needs. */
const ROUTES: { method: string; path: string; role: "viewer" | "admin"; body?: unknown }[] = [
  { method: "GET", path: "/api/v1/auth/me", role: "viewer" },
  { method: "GET", path: "/api/v1/jobs", role: "viewer" },
  { method: "GET", path: "/api/v1/jobs/123", role: "viewer" },
  { method: "GET", path: "/api/v1/queue", role: "viewer" },
  { method: "GET", path: "/api/v1/overview", role: "viewer" },
  { method: "GET", path: "/api/v1/users", role: "admin" },
  {
    method: "POST",
    path: "/api/v1/users",
    role: "admin",
    body: { email: "x@example.com", password: "a password of length", role: "viewer" },
  },
  { method: "GET", path: "/api/v1/dead-letters", role: "viewer" },
  { method: "POST", path: "/api/v1/dead-letters/1/requeue", role: "admin", body: {} },
];

/** Every state-changing route a browser could be tricked into calling. */
const STATE_CHANGING: { path: string; body: unknown }[] = [
  ...ROUTES.filter((route) => route.method !== "GET").map(({ path, body }) => ({ path, body })),
  { path: "/api/v1/auth/login", body: ADMIN },
  { path: "/api/v1/auth/logout", body: {} },
  { path: "/api/v1/auth/bootstrap", body: ADMIN },
];

async function call(
  stack: ConsoleStack,
  path: string,
  init: {
    method?: string;
    cookie?: string;
    bearer?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  return await fetch(`${stack.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** The users table without operatorToken's seeded test operators. */
async function realUsers(stack: ConsoleStack) {
  return (await stack.db.select().from(users)).filter((u) => !u.id.startsWith("test-operator-"));
}

async function loginRows(stack: ConsoleStack, actor: string) {
  return await stack.db.select().from(auditEvents)
    .where(and(eq(auditEvents.action, "auth.login"), eq(auditEvents.actor, actor)))
    .orderBy(asc(auditEvents.id));
}

Deno.test("console API: bootstrap, sign-in, sessions, CSRF, roles, rate limits, audit", async (t) => {
  const stack = await startConsoleStack({
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
    LOGIN_MAX_FAILURES_PER_IP: "6",
    SESSION_TTL_SECONDS: "3600",
  });
  let adminCookie = "";
  let viewerCookie = "";
  try {
    await t.step("the console's assets are served, hashed files cached for a year", async () => {
      const index = await fetch(`${stack.url}/`);
      assert.equal(index.status, 200);
      const html = await index.text();
      const script = /src="(\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      assert.match(index.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      const asset = await fetch(`${stack.url}${script}`);
      assert.equal(asset.status, 200);
      assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
      await asset.body?.cancel();
      const deepLink = await fetch(`${stack.url}/jobs/123`, {
        headers: { accept: "text/html", "sec-fetch-mode": "navigate" },
      });
      assert.equal(deepLink.status, 200, "any console URL loads the app");
      assert.ok((await deepLink.text()).includes(script));
    });

    await t.step("unknown API paths answer JSON, never the console's HTML", async () => {
      const anonymous = await call(stack, "/api/v1/no-such-thing");
      assert.equal(anonymous.status, 401);
      assert.equal((await anonymous.json()).error.code, "unauthorized");
      const signedIn = await call(stack, "/api/v1/no-such-thing", {
        bearer: await operatorToken(SESSION_SECRET),
      });
      assert.equal(signedIn.status, 404);
      assert.equal((await signedIn.json()).error.code, "not_found");
    });

    await t.step(
      "sign-in options offer local sign-in and no SSO when OIDC is not set",
      async () => {
        const response = await call(stack, "/api/v1/auth/options");
        assert.deepEqual(await response.json(), { local: true, sso: false, authDisabled: false });
      },
    );

    await t.step("bootstrap refuses a missing or wrong token and a weak password", async () => {
      const missing = await call(stack, "/api/v1/auth/bootstrap", { method: "POST", body: ADMIN });
      assert.equal(missing.status, 401);
      await missing.body?.cancel();
      const wrong = await bootstrap(stack.url, ADMIN, "not-the-token-but-long-enough-0123456789");
      assert.equal(wrong.status, 401);
      assert.equal((await wrong.json()).error.message, "wrong bootstrap token");
      const weak = await bootstrap(stack.url, { email: ADMIN.email, password: "short" });
      assert.equal(weak.status, 400);
      assert.equal((await weak.json()).error.issues[0].path, "password");
      assert.equal((await realUsers(stack)).length, 0, "no user was created");
    });

    await t.step("bootstrap creates the first admin once and cannot be replayed", async () => {
      const first = await bootstrap(stack.url, {
        ...ADMIN,
        email: "Admin@Example.com",
        name: "Ada",
      });
      assert.equal(first.status, 201, await first.clone().text());
      const { user } = await first.json();
      assert.equal(user.email, ADMIN.email, "emails are stored lower-cased");
      assert.equal(user.role, "admin");
      assert.equal(user.passwordHash, undefined, "the hash never leaves the edge");
      const replay = await bootstrap(stack.url, { ...ADMIN, email: "mallory@example.com" });
      assert.equal(replay.status, 409);
      await replay.body?.cancel();
      const rows = await realUsers(stack);
      assert.equal(rows.length, 1);
      assert.match(rows[0].passwordHash ?? "", /^pbkdf2-sha256\$100000\$6\$/);
      assert.ok(!rows[0].passwordHash?.includes(ADMIN.password));
      const audit = await stack.db.select().from(auditEvents)
        .where(eq(auditEvents.action, "auth.bootstrap")).orderBy(asc(auditEvents.id));
      // Two bad tokens from one network in one window: one row (an unauthenticated caller
      // must not choose how many rows are written).
      assert.deepEqual(audit.map((a) => [a.outcome, a.payload?.reason ?? null]), [
        ["failed", "bad_token"],
        ["ok", null],
        ["failed", "users_exist"],
      ]);
    });

    await t.step("a wrong password or unknown email gets the same 401", async () => {
      const wrong = await login(stack.url, { email: ADMIN.email, password: "not my password" });
      const unknown = await login(stack.url, { email: "nobody@example.com", password: "whatever" });
      for (const response of [wrong, unknown]) {
        assert.equal(response.status, 401);
        assert.equal((await response.json()).error.message, "wrong email or password");
        assert.deepEqual(response.headers.getSetCookie(), []);
      }
    });

    await t.step(
      "sign-in sets an HttpOnly, Secure, SameSite=Strict session cookie with the TTL",
      async () => {
        const response = await login(stack.url, {
          email: " ADMIN@example.com ",
          password: ADMIN.password,
        });
        assert.equal(response.status, 200, await response.clone().text());
        const session = await response.json();
        assert.equal(session.email, ADMIN.email);
        assert.equal(session.role, "admin");
        const [cookie] = response.headers.getSetCookie();
        const attributes = cookie.split(";").map((part) => part.trim().toLowerCase());
        for (
          const attribute of ["httponly", "secure", "samesite=strict", "path=/", "max-age=3600"]
        ) {
          assert.ok(attributes.includes(attribute), `${attribute} in ${cookie}`);
        }
        adminCookie = sessionCookieOf(response);
        const claims = decodeJwt(adminCookie.split("=")[1]);
        assert.equal(claims.exp! - claims.iat!, 3600);
        assert.equal(claims.aud, "gantry-console");
        assert.equal(claims.role, "admin");
        const me = await call(stack, "/api/v1/auth/me", { cookie: adminCookie });
        assert.equal(me.status, 200);
        assert.equal((await me.json()).email, ADMIN.email);
        const [row] = await stack.db.select().from(users).where(eq(users.email, ADMIN.email));
        assert.ok(row.lastLoginAt && row.lastLoginAt > Date.now() - 60_000);
      },
    );

    await t.step("every login attempt is audited, with its reason and no password", async () => {
      const rows = await loginRows(stack, ADMIN.email);
      assert.deepEqual(rows.map((r) => [r.outcome, r.payload?.reason ?? null]), [
        ["failed", "bad_password"],
        ["ok", null],
      ]);
      const unknown = await loginRows(stack, "nobody@example.com");
      assert.deepEqual(unknown.map((r) => [r.outcome, r.payload?.reason]), [[
        "failed",
        "unknown_account",
      ]]);
      for (const row of [...rows, ...unknown]) {
        const text = JSON.stringify(row);
        assert.ok(!text.includes(ADMIN.password) && !text.includes("not my password"), text);
        assert.equal(typeof row.payload?.ip, "string");
      }
    });

    await t.step(
      "a cross-site browser request to any state-changing route is refused, session or not (CSRF)",
      async () => {
        const attempts: Record<string, string>[] = [
          { origin: "https://evil.example" },
          { "sec-fetch-site": "cross-site" },
          { "sec-fetch-site": "same-site", origin: "https://evil.example" },
        ];
        for (const headers of attempts) {
          const create = await call(stack, "/api/v1/users", {
            method: "POST",
            cookie: adminCookie,
            body: { ...VIEWER, role: "admin" },
            headers,
          });
          assert.equal(create.status, 403, JSON.stringify(headers));
          await create.body?.cancel();
          const signIn = await login(stack.url, ADMIN, headers);
          assert.equal(signIn.status, 403, JSON.stringify(headers));
          assert.deepEqual(signIn.headers.getSetCookie(), []);
          await signIn.body?.cancel();
        }
        const created = await stack.db.select().from(users).where(eq(users.email, VIEWER.email));
        assert.equal(created.length, 0, "no user was created cross-site");
        for (const route of STATE_CHANGING) {
          const response = await call(stack, route.path, {
            method: "POST",
            cookie: adminCookie,
            body: route.body,
            headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
          });
          assert.equal(response.status, 403, `cross-site POST ${route.path}`);
          assert.equal((await response.json()).error.code, "forbidden");
          assert.deepEqual(response.headers.getSetCookie(), [], `no cookie from ${route.path}`);
        }
      },
    );

    await t.step("an admin creates a viewer; duplicates conflict; both are audited", async () => {
      const headers = { origin: stack.url, "sec-fetch-site": "same-origin" };
      const body = { ...VIEWER, role: "viewer" };
      const created = await call(stack, "/api/v1/users", {
        method: "POST",
        cookie: adminCookie,
        body,
        headers,
      });
      assert.equal(created.status, 201, await created.clone().text());
      assert.equal((await created.json()).user.role, "viewer");
      const again = await call(stack, "/api/v1/users", {
        method: "POST",
        cookie: adminCookie,
        body,
        headers,
      });
      assert.equal(again.status, 409);
      await again.body?.cancel();
      const list = await call(stack, "/api/v1/users", { cookie: adminCookie });
      assert.deepEqual(
        (await list.json()).users.map((u: { email: string }) => u.email)
          .filter((email: string) => !email.startsWith("test-operator-")),
        [
          ADMIN.email,
          VIEWER.email,
        ],
      );
      const audit = await stack.db.select().from(auditEvents).where(
        eq(auditEvents.action, "user.create"),
      );
      assert.equal(audit.length, 1);
      assert.equal(audit[0].actor, ADMIN.email);
    });

    await t.step("every API route refuses no session (401) and a bad one (401)", async () => {
      const expired = await operatorToken(SESSION_SECRET, "admin", { expiresIn: "-1m" });
      const forged = await operatorToken("some-other-secret-0123456789abcdef", "admin");
      for (const route of ROUTES) {
        for (
          const auth of [{}, { bearer: expired }, { bearer: forged }, {
            cookie: "__Host-gantry_session=junk",
          }]
        ) {
          const response = await call(stack, route.path, {
            method: route.method,
            body: route.body,
            ...auth,
          });
          assert.equal(
            response.status,
            401,
            `${route.method} ${route.path} ${JSON.stringify(auth)}`,
          );
          assert.equal((await response.json()).error.code, "unauthorized");
        }
      }
    });

    await t.step("a viewer reads but every admin route refuses it (403)", async () => {
      const response = await login(stack.url, VIEWER);
      assert.equal(response.status, 200);
      viewerCookie = sessionCookieOf(response);
      for (const route of ROUTES) {
        const answer = await call(stack, route.path, {
          method: route.method,
          body: route.body,
          cookie: viewerCookie,
        });
        const expected = route.role === "admin"
          ? 403
          : route.path === "/api/v1/jobs/123"
          ? 404
          : 200;
        assert.equal(answer.status, expected, `${route.method} ${route.path}`);
        await answer.body?.cancel();
      }
    });

    await t.step("sign-out clears the cookie and is audited", async () => {
      const response = await call(stack, "/api/v1/auth/logout", {
        method: "POST",
        cookie: viewerCookie,
      });
      assert.equal(response.status, 204);
      const [cleared] = response.headers.getSetCookie();
      assert.match(cleared, /^__Host-gantry_session=;/);
      assert.match(cleared, /Max-Age=0/i);
      const audit = await stack.db.select().from(auditEvents).where(
        eq(auditEvents.action, "auth.logout"),
      );
      assert.deepEqual(audit.map((a) => a.actor), [VIEWER.email]);
    });

    await t.step(
      "3 failures slow that account from that network only, with Retry-After",
      async () => {
        const from = (ip: string) => ({ "cf-connecting-ip": ip });
        for (let i = 0; i < 3; i++) {
          const response = await login(
            stack.url,
            { ...VIEWER, password: `wrong ${i}` },
            from("10.0.0.1"),
          );
          assert.equal(response.status, 401);
          await response.body?.cancel();
        }
        const slowed = await login(stack.url, VIEWER, from("10.0.0.1"));
        assert.equal(slowed.status, 429, "the failing network waits, even with the right password");
        const retryAfter = Number(slowed.headers.get("retry-after"));
        assert.ok(retryAfter >= 1 && retryAfter <= 900, `Retry-After ${retryAfter}`);
        const body = await slowed.json();
        assert.equal(body.error.code, "rate_limited");
        assert.deepEqual(slowed.headers.getSetCookie(), []);
        const owner = await login(stack.url, VIEWER, from("10.0.0.99"));
        assert.equal(owner.status, 200, "the owner from another network is never refused");
        await owner.body?.cancel();
        const rows = await loginRows(stack, VIEWER.email);
        // One row per (account, network) per window, then one for the network's wait.
        assert.deepEqual(rows.slice(-3).map((r) => r.payload?.reason ?? r.outcome), [
          "bad_password",
          "rate_limited",
          "ok",
        ]);
      },
    );

    await t.step("a success clears the account's failures", async () => {
      const from = { "cf-connecting-ip": "10.1.0.1" };
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 2; i++) {
          const failed = await login(stack.url, { ...ADMIN, password: "nope nope" }, from);
          assert.equal(failed.status, 401);
          await failed.body?.cancel();
        }
        const ok = await login(stack.url, ADMIN, from);
        assert.equal(ok.status, 200, `round ${round}: 2 failures + success never reach the limit`);
        await ok.body?.cancel();
      }
    });

    await t.step("an IP is limited after 6 failures across accounts", async () => {
      const from = { "cf-connecting-ip": "10.2.0.1" };
      for (let i = 0; i < 6; i++) {
        const response = await login(stack.url, {
          email: `guess${i}@example.com`,
          password: "guess",
        }, from);
        assert.equal(response.status, 401);
        await response.body?.cancel();
      }
      const blocked = await login(stack.url, ADMIN, from);
      assert.equal(blocked.status, 429);
      await blocked.body?.cancel();
      const elsewhere = await login(stack.url, ADMIN, { "cf-connecting-ip": "10.2.0.2" });
      assert.equal(elsewhere.status, 200);
      await elsewhere.body?.cancel();
    });

    await t.step(
      "the throttle's counts survive an edge restart (SQLite-backed Durable Object, migration v3)",
      async () => {
        const restarted = await stack.edge.restart();
        try {
          // The viewer's 3 failures from 10.0.0.1 are still counted: once the 1 s wait is over a
          // 4th failure is admitted, and then the wait doubles.
          const from = { "cf-connecting-ip": "10.0.0.1" };
          let fourth = await login(restarted.url, { ...VIEWER, password: "wrong 3" }, from);
          for (let i = 0; fourth.status === 429 && i < 20; i++) {
            await fourth.body?.cancel();
            await new Promise((resolve) => setTimeout(resolve, 250));
            fourth = await login(restarted.url, { ...VIEWER, password: "wrong 3" }, from);
          }
          assert.equal(fourth.status, 401);
          await fourth.body?.cancel();
          const slowed = await login(restarted.url, VIEWER, from);
          assert.equal(slowed.status, 429, "the failing network still waits");
          assert.equal(slowed.headers.get("retry-after"), "2");
          await slowed.body?.cancel();
          const blocked = await login(restarted.url, ADMIN, { "cf-connecting-ip": "10.2.0.1" });
          assert.equal(blocked.status, 429, "the limited IP is still limited");
          await blocked.body?.cancel();
        } finally {
          await restarted.stop();
        }
      },
    );
  } finally {
    await stack.close();
  }
});
