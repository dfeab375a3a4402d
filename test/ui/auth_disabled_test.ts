/**
 * AUTH_DISABLED=true (an edge behind an authenticating proxy): no sign-in,
 * every request acts as an admin named `auth-disabled` in the audit log,
 * cross-site requests are still refused, and the console says so on every
 * page. (That the banner is absent with sign-in on is pinned in
 * auth_sso_test.ts.)
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { auditEvents } from "../../shared/db/schema.ts";
import { launchBrowser } from "../support/browser.ts";
import { seedJobs, startConsoleStack } from "./stack.ts";

/** What the proxy in front adds to every request (auth_disabled_proof_test.ts pins the refusals). */
const PROXY_SECRET = "proxy-secret-0123456789-abcdefghijklmnop";
const PROXIED = { "x-gantry-proxy-secret": PROXY_SECRET };

Deno.test("AUTH_DISABLED=true: no sign-in, admin for all, a banner on every page", async (t) => {
  const stack = await startConsoleStack({ AUTH_DISABLED: "true", PROXY_SECRET });
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 0 });

    await t.step("the API answers without a session, as an admin, and says why", async () => {
      const options = await (await fetch(`${stack.url}/api/v1/auth/options`)).json();
      assert.deepEqual(options, { local: false, sso: false, authDisabled: true });
      const me = await fetch(`${stack.url}/api/v1/auth/me`, { headers: PROXIED });
      assert.equal(me.status, 200);
      const session = await me.json();
      assert.equal(session.role, "admin");
      assert.equal(session.id, "auth-disabled");
      const created = await fetch(`${stack.url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json", ...PROXIED },
        body: JSON.stringify({
          email: "new@example.com",
          password: "a long enough password",
          role: "viewer",
        }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      await created.body?.cancel();
      const [audit] = await stack.db.select().from(auditEvents).where(
        eq(auditEvents.action, "user.create"),
      );
      assert.equal(audit.actor, "auth-disabled", "changes are attributed to the setting");
    });

    await t.step(
      "cross-site requests are still refused (CSRF does not need a session)",
      async () => {
        const response = await fetch(`${stack.url}/api/v1/users`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "sec-fetch-site": "cross-site",
            ...PROXIED,
          },
          body: JSON.stringify({
            email: "evil@example.com",
            password: "a long enough password",
            role: "admin",
          }),
        });
        assert.equal(response.status, 403);
        await response.body?.cancel();
      },
    );

    await t.step("every console page opens without sign-in and shows the banner", async () => {
      const page = await browser.newPage();
      await page.setExtraHTTPHeaders(PROXIED);
      for (const [path, heading] of [["/", "Overview"], ["/jobs", "Jobs"]] as const) {
        await page.goto(`${stack.url}${path}`);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        const banner = page.getByTestId("auth-disabled-banner");
        await banner.waitFor();
        assert.equal(await banner.getAttribute("role"), "alert");
        assert.match(
          (await banner.textContent()) ?? "",
          /Sign-in is disabled.*AUTH_DISABLED=true.*anyone who can reach this console acts as an admin/,
        );
        assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0);
      }
      await browser.screenshot(page, "auth-disabled-banner");
      await page.goto(`${stack.url}/signin?next=%2Fjobs`);
      await page.waitForURL(`${stack.url}/jobs`);
      await page.getByTestId("auth-disabled-banner").waitFor();
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
