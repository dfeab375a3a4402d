/**
 * Console SSO in headless Chromium: the edge in workerd runs the real
 * oauth4webapi client against the local OIDC provider stand-in
 * (test/support/oidc), served as `localhost` so it is another site than the
 * edge on 127.0.0.1, as a real provider is. Sign-in lands signed in with the
 * role the groups give; allowlists refuse with a sentence; a forged state,
 * nonce, signature or a replayed callback is refused.
 */
import assert from "node:assert/strict";
import { and, desc, eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { auditEvents, users } from "../../shared/db/schema.ts";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";
import { type OidcProvider, startOidcProvider } from "../support/oidc/provider.ts";
import { type ConsoleStack, startConsoleStack } from "./stack.ts";

/** Signs in through "Sign in with SSO" from `path` in a fresh browser context. */
async function signInWithSso(browser: TestBrowser, stack: ConsoleStack, path = "/jobs") {
  const page = await browser.newPage();
  await page.goto(`${stack.url}${path}`);
  await page.getByRole("link", { name: "Sign in with SSO" }).click();
  return page;
}

async function sessionCookieOf(page: Page) {
  return (await page.context().cookies()).find((c) => c.name === "__Host-gantry_session");
}

async function expectRefusal(page: Page, reason: string, sentence: RegExp) {
  await page.waitForURL((url) => url.pathname === "/signin");
  assert.equal(new URL(page.url()).searchParams.get("sso_error"), reason);
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? "", sentence);
  assert.equal(await sessionCookieOf(page), undefined, "no session after a refusal");
}

async function lastSsoAudit(stack: ConsoleStack) {
  const [row] = await stack.db.select().from(auditEvents)
    .where(eq(auditEvents.action, "auth.login")).orderBy(desc(auditEvents.id)).limit(1);
  return row;
}

Deno.test("console SSO in Chromium against a local OIDC provider", async (t) => {
  const provider: OidcProvider = await startOidcProvider();
  const stack = await startConsoleStack({
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_SCOPES: "openid email profile groups",
    OIDC_ALLOWED_DOMAINS: "example.com",
    OIDC_ALLOWED_EMAILS: "contractor@partner.test",
    OIDC_ALLOWED_GROUPS: "ci-operators",
    OIDC_ADMIN_GROUPS: "ci-admins",
    SESSION_TTL_SECONDS: "1800",
  });
  provider.registerRedirectUri(`${stack.url}/api/v1/auth/oidc/callback`);
  const browser = await launchBrowser();
  try {
    await t.step("the sign-in options offer SSO next to local sign-in", async () => {
      const options = await (await fetch(`${stack.url}/api/v1/auth/options`)).json();
      assert.deepEqual(options, { local: true, sso: true, authDisabled: false });
    });

    await t.step("an admin-group member clicks Sign in with SSO and lands signed in", async () => {
      provider.signInAs({
        sub: "idp-ada",
        email: "Ada@Example.com",
        email_verified: true,
        name: "Ada Lovelace",
        groups: ["ci-admins"],
      });
      const page = await browser.newPage();
      await page.goto(`${stack.url}/jobs?status=failed`);
      await page.getByRole("heading", { name: "Sign in to Gantry" }).waitFor();
      await browser.screenshot(page, "sso-01-sign-in");
      await page.getByRole("link", { name: "Sign in with SSO" }).click();
      await page.waitForURL(`${stack.url}/jobs?status=failed`);
      await page.getByRole("heading", { name: "Jobs" }).waitFor();
      const who = (await page.getByTestId("who").textContent()) ?? "";
      assert.match(who, /ada@example\.com/);
      assert.match(who, /admin/);
      const session = await sessionCookieOf(page);
      assert.ok(session, "session cookie set");
      assert.equal(session.httpOnly, true);
      assert.equal(session.secure, true);
      assert.equal(session.sameSite, "Strict");
      // The configured TTL (1800 s) from both sides: not longer, and not cut short.
      const lifetimeS = session.expires - Date.now() / 1000;
      assert.ok(lifetimeS <= 1800 && lifetimeS >= 1800 - 60, `lifetime ${lifetimeS} s`);
      const cookies = await page.context().cookies();
      assert.equal(cookies.find((c) => c.name === "gantry_oidc"), undefined, "one-time");
      assert.equal(await page.getByTestId("auth-disabled-banner").count(), 0);
      await browser.screenshot(page, "sso-02-signed-in");

      const [authorization] = provider.authorizations.slice(-1);
      assert.equal(authorization.get("code_challenge_method"), "S256");
      assert.equal(authorization.get("scope"), "openid email profile groups");
      assert.ok((authorization.get("state") ?? "").length >= 32);
      assert.ok((authorization.get("nonce") ?? "").length >= 32);
      const [exchange] = provider.exchanges.slice(-1);
      assert.deepEqual(exchange, {
        clientId: provider.clientId,
        isClientAuthenticated: true,
        isPkceVerified: true,
        status: 200,
      });

      const [user] = await stack.db.select().from(users).where(
        eq(users.email, "ada@example.com"),
      );
      assert.equal(user.role, "admin");
      assert.equal(user.name, "Ada Lovelace");
      assert.equal(user.passwordHash, null, "SSO users cannot sign in with a password");
      const audit = await lastSsoAudit(stack);
      assert.equal(audit.outcome, "ok");
      assert.equal(audit.actor, "ada@example.com");
      assert.equal(audit.payload?.method, "sso");
      assert.deepEqual(audit.payload?.groups, ["ci-admins"]);
    });

    await t.step("an allowed group member is a viewer and is refused a change", async () => {
      provider.signInAs({ sub: "idp-bob", email: "bob@example.com", groups: ["ci-operators"] });
      const page = await signInWithSso(browser, stack, "/");
      await page.locator('[data-tile="projects"]').waitFor();
      assert.match((await page.getByTestId("who").textContent()) ?? "", /viewer/);
      const status = await page.evaluate(async () =>
        (await fetch("/api/v1/users", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            email: "x@example.com",
            password: "long password 123",
            role: "admin",
          }),
        })).status
      );
      assert.equal(status, 403);
    });

    await t.step(
      "an allowed email outside the domains signs in (with an allowed group)",
      async () => {
        provider.signInAs({
          sub: "idp-c",
          email: "contractor@partner.test",
          groups: ["ci-operators"],
        });
        const page = await signInWithSso(browser, stack, "/");
        await page.locator('[data-tile="projects"]').waitFor();
        assert.match(
          (await page.getByTestId("who").textContent()) ?? "",
          /contractor@partner\.test/,
        );
      },
    );

    await t.step("a domain not on the allowlist is refused with a sentence", async () => {
      provider.signInAs({ sub: "idp-eve", email: "eve@other.test", groups: ["ci-operators"] });
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "email_not_allowed", /email is not allowed to sign in here/);
      assert.equal(new URL(page.url()).searchParams.get("next"), "/jobs", "keeps where to go");
      await browser.screenshot(page, "sso-03-refused");
      const audit = await lastSsoAudit(stack);
      assert.equal(audit.outcome, "failed");
      assert.equal(audit.actor, "eve@other.test");
      assert.equal(audit.payload?.reason, "email_not_allowed");
      const eve = await stack.db.select().from(users).where(eq(users.email, "eve@other.test"));
      assert.equal(eve.length, 0, "a refused account is not created");
    });

    await t.step(
      "an email not on the allowlist is refused, even at a listed address's domain",
      async () => {
        provider.signInAs({
          sub: "idp-m",
          email: "mallory@partner.test",
          groups: ["ci-operators"],
        });
        const page = await signInWithSso(browser, stack);
        await expectRefusal(page, "email_not_allowed", /Ask an administrator to add it/);
      },
    );

    await t.step("a member of no allowed group is refused with a sentence", async () => {
      provider.signInAs({ sub: "idp-s", email: "sam@example.com", groups: ["sales"] });
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "group_not_allowed", /not in a group allowed to sign in/);
      const audit = await lastSsoAudit(stack);
      assert.deepEqual(audit.payload?.groups, ["sales"]);
    });

    await t.step("an unverified email is refused", async () => {
      provider.signInAs({
        sub: "idp-u",
        email: "ursula@example.com",
        email_verified: false,
        groups: ["ci-operators"],
      });
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "email_unverified", /not verified/);
    });

    const allowed = { sub: "idp-ada", email: "ada@example.com", groups: ["ci-admins"] };
    await t.step("a callback whose state is not this browser's is refused", async () => {
      provider.signInAs(allowed);
      provider.tamper = { state: "forged-state-from-another-sign-in" };
      const before = provider.exchanges.length;
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "state_mismatch", /does not belong to the sign-in this browser/);
      assert.equal(provider.exchanges.length, before, "the code is never exchanged");
    });

    await t.step("an ID token whose nonce is not this sign-in's is refused", async () => {
      provider.tamper = { nonce: "nonce-of-another-sign-in" };
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "nonce_mismatch", /not issued for this sign-in/);
    });

    await t.step("an ID token signed by a key outside the provider's JWKS is refused", async () => {
      provider.tamper = { isSignedWithUnknownKey: true };
      const page = await signInWithSso(browser, stack);
      await expectRefusal(page, "invalid_response", /failed a check/);
    });

    await t.step(
      "a callback without this browser's transaction, or replayed, is refused",
      async () => {
        provider.tamper = {};
        // The whole flow by hand, as an attacker holding a victim's callback URL would try it.
        const login = await fetch(`${stack.url}/api/v1/auth/oidc/login?next=/jobs`, {
          redirect: "manual",
        });
        assert.equal(login.status, 302);
        const transaction = login.headers.getSetCookie().find((c) => c.startsWith("gantry_oidc="));
        assert.ok(transaction, "transaction cookie set");
        assert.match(transaction, /HttpOnly/i);
        assert.match(transaction, /SameSite=Lax/i);
        assert.match(transaction, /Path=\/api\/v1\/auth\/oidc\//);
        const authorize = new URL(login.headers.get("location")!.replace("localhost", "127.0.0.1"));
        const toCallback = await fetch(authorize, { redirect: "manual" });
        const callback = toCallback.headers.get("location")!;
        await toCallback.body?.cancel();

        const withoutCookie = await fetch(callback, { redirect: "manual" });
        assert.equal(withoutCookie.status, 302);
        assert.equal(
          new URL(withoutCookie.headers.get("location")!, stack.url).searchParams.get("sso_error"),
          "expired",
        );
        assert.deepEqual(
          withoutCookie.headers.getSetCookie().filter((c) => c.includes("session=e")),
          [],
        );

        const cookie = transaction.split(";")[0];
        const first = await fetch(callback, { redirect: "manual", headers: { cookie } });
        assert.equal(first.status, 302);
        assert.equal(first.headers.get("location"), "/jobs");
        assert.ok(
          first.headers.getSetCookie().some((c) => c.startsWith("__Host-gantry_session=ey")),
        );
        const replay = await fetch(callback, { redirect: "manual", headers: { cookie } });
        assert.equal(
          new URL(replay.headers.get("location")!, stack.url).searchParams.get("sso_error"),
          "invalid_response",
          "the provider refuses a used code",
        );
        assert.ok(
          !replay.headers.getSetCookie().some((c) => c.startsWith("__Host-gantry_session=ey")),
        );
      },
    );

    await t.step("SSO users are refused local sign-in (they have no password)", async () => {
      const response = await fetch(`${stack.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "10.9.0.1" },
        body: JSON.stringify({ email: "ada@example.com", password: "anything at all" }),
      });
      assert.equal(response.status, 401);
      await response.body?.cancel();
      const [row] = await stack.db.select().from(auditEvents).where(
        and(eq(auditEvents.action, "auth.login"), eq(auditEvents.actor, "ada@example.com")),
      ).orderBy(desc(auditEvents.id)).limit(1);
      assert.equal(row.payload?.reason, "no_password");
    });
  } finally {
    await browser.close();
    await stack.close();
    await provider.close();
  }
});
