/**
 * SSO trust in workerd against the local OIDC provider, driven by hand (the
 * browser's part is redirects): return paths stay on the console, SSO users
 * are keyed by (issuer, sub) and never take over an account by email unless
 * an admin allowed it, emails must be verified, and roles follow the
 * provider's groups at each sign-in.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { auditEvents, users } from "../../shared/db/schema.ts";
import { type OidcProvider, type OidcUser, startOidcProvider } from "../support/oidc/provider.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  login,
  SESSION_COOKIE,
  sessionCookieOf,
  startConsoleStack,
} from "./stack.ts";

/** One SSO sign-in as `user` starting from `next`; the callback's answer. */
async function ssoSignIn(
  stack: ConsoleStack,
  provider: OidcProvider,
  user: OidcUser,
  next = "/jobs",
): Promise<Response> {
  provider.signInAs(user);
  const start = await fetch(
    `${stack.url}/api/v1/auth/oidc/login?next=${encodeURIComponent(next)}`,
    { redirect: "manual" },
  );
  assert.equal(start.status, 302, await start.clone().text());
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith("gantry_oidc="));
  assert.ok(cookie);
  const authorize = new URL(start.headers.get("location")!.replace("localhost", "127.0.0.1"));
  const toCallback = await fetch(authorize, { redirect: "manual" });
  await toCallback.body?.cancel();
  return await fetch(toCallback.headers.get("location")!, {
    redirect: "manual",
    headers: { cookie: cookie.split(";")[0] },
  });
}

function errorOf(response: Response, base: string): string | null {
  return new URL(response.headers.get("location")!, base).searchParams.get("sso_error");
}

Deno.test("SSO trust: return paths, (issuer, sub) identities, verified emails, live roles", async (t) => {
  const provider = await startOidcProvider();
  const stack = await startConsoleStack({
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_SCOPES: "openid email profile groups",
    OIDC_ALLOWED_DOMAINS: "example.com",
    OIDC_ADMIN_GROUPS: "ci-admins",
  });
  provider.registerRedirectUri(`${stack.url}/api/v1/auth/oidc/callback`);
  try {
    const created = await bootstrap(stack.url, { ...ADMIN, name: "Admin" });
    assert.equal(created.status, 201);
    const { user: admin } = await created.json();

    await t.step(
      "a return path with a tab or newline, or to another host, lands on /",
      async () => {
        const cases: [string, string][] = [
          ["/\t/evil.example/x", "/"],
          ["/\n/x", "/"],
          ["/.//evil.example/x", "/"],
          ["https://evil.example/", "/"],
          ["/jobs?status=failed", "/jobs?status=failed"],
        ];
        for (const [i, [next, location]] of cases.entries()) {
          const response = await ssoSignIn(stack, provider, {
            sub: `idp-next-${i}`,
            email: `next${i}@example.com`,
          }, next);
          assert.equal(response.status, 302, `${JSON.stringify(next)}: ${await response.text()}`);
          assert.equal(response.headers.get("location"), location, JSON.stringify(next));
        }
      },
    );

    await t.step("an email the provider does not mark verified is refused", async () => {
      const response = await ssoSignIn(stack, provider, {
        sub: "idp-unverified",
        email: "quiet@example.com",
        email_verified: null,
      });
      assert.equal(errorOf(response, stack.url), "email_unverified");
      assert.deepEqual(
        response.headers.getSetCookie().filter((c) => c.startsWith(SESSION_COOKIE)),
        [],
      );
    });

    await t.step(
      "another identity with the local admin's email does not get the admin",
      async () => {
        const response = await ssoSignIn(stack, provider, {
          sub: "idp-impostor",
          email: ADMIN.email,
          groups: ["ci-admins"],
        });
        assert.equal(errorOf(response, stack.url), "account_exists");
        const [row] = await stack.db.select().from(users).where(eq(users.id, admin.id));
        assert.equal(row.ssoSubject, null, "the admin's account is not linked");
      },
    );

    await t.step("once an admin allows it, the next SSO sign-in links to the account", async () => {
      const adminCookie = sessionCookieOf(await login(stack.url, ADMIN));
      const allow = await fetch(`${stack.url}/api/v1/users/${admin.id}`, {
        method: "PATCH",
        headers: { cookie: adminCookie, "content-type": "application/json" },
        body: JSON.stringify({ allowsSsoLink: true }),
      });
      assert.equal(allow.status, 200, await allow.clone().text());
      await allow.body?.cancel();
      const linked = await ssoSignIn(stack, provider, { sub: "idp-admin", email: ADMIN.email });
      assert.equal(linked.status, 302);
      assert.equal(linked.headers.get("location"), "/jobs");
      const [row] = await stack.db.select().from(users).where(eq(users.id, admin.id));
      assert.equal(row.ssoSubject, "idp-admin");
      assert.equal(row.allowsSsoLink, false, "the permission is used once");
      const other = await ssoSignIn(stack, provider, { sub: "idp-other", email: ADMIN.email });
      assert.equal(errorOf(other, stack.url), "account_exists");
    });

    await t.step(
      "an SSO user who left the admin group is a viewer from the next sign-in",
      async () => {
        const first = await ssoSignIn(stack, provider, {
          sub: "idp-grace",
          email: "grace@example.com",
          groups: ["ci-admins"],
        });
        const adminSession = sessionCookieOf(first);
        const asAdmin = await fetch(`${stack.url}/api/v1/users`, {
          headers: { cookie: adminSession },
        });
        assert.equal(asAdmin.status, 200);
        await asAdmin.body?.cancel();
        const second = await ssoSignIn(stack, provider, {
          sub: "idp-grace",
          email: "grace@example.com",
          groups: [],
        });
        const viewerSession = sessionCookieOf(second);
        const me = await (await fetch(`${stack.url}/api/v1/auth/me`, {
          headers: { cookie: viewerSession },
        })).json();
        assert.equal(me.role, "viewer");
        const rows = await stack.db.select().from(users).where(
          eq(users.email, "grace@example.com"),
        );
        assert.equal(rows.length, 1, "one row per identity");
        assert.equal(rows[0].role, "viewer");
      },
    );

    await t.step("a callback without its sign-in cookie writes no audit row", async () => {
      const before = (await stack.db.select().from(auditEvents)).length;
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${stack.url}/api/v1/auth/oidc/callback?code=x&state=y`, {
          redirect: "manual",
        });
        assert.equal(errorOf(response, stack.url), "expired");
      }
      assert.equal((await stack.db.select().from(auditEvents)).length, before);
    });
  } finally {
    await stack.close();
    await provider.close();
  }
});
