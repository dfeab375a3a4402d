/**
 * The Users page and the audit log's family filter in headless Chromium
 * against the edge in workerd and libSQL: an admin invites a user (the link
 * is shown), the invitee sets a password through it once, the admin changes
 * the role, disables and re-enables, deletes with a confirm, and is refused
 * demoting or disabling the last enabled admin; then the Audit page filters
 * by family. Screenshots go to test/output/screenshots/ (users-*).
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { auditEvents, users } from "../../shared/db/schema.ts";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { ADMIN, bootstrap, startConsoleStack } from "./stack.ts";

const NOW = testNow();
const INVITEE = "new.person@example.com";
const LAST_ADMIN =
  "this is the last enabled admin: make another user an admin first, so someone can still administer Gantry";

async function roleOf(stack: { db: Awaited<ReturnType<typeof startConsoleStack>>["db"] }) {
  const [row] = await stack.db.select().from(users).where(eq(users.email, INVITEE));
  return row ? { role: row.role, isDisabled: row.isDisabled } : null;
}

/** The text of the page's status line once it says `text`. */
async function statusSays(page: Page, text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: 10_000 });
}

Deno.test("the Users page: invite, set a password once, role, disable, delete, last admin", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const url = (path: string) => `${stack.url}${path}`;
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);
    await page.goto(url("/"));
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-tile="projects"]').waitFor();
    const row = (email: string) => page.locator(`tr[data-user="${email}"]`);
    let link = "";

    await t.step(
      "an admin reaches Users from the sidebar and invites: the link shows",
      async () => {
        await page.getByRole("link", { name: "Users", exact: true }).click();
        await page.waitForURL(url("/users"));
        await row(ADMIN.email).waitFor();
        await page.getByRole("button", { name: "Invite user" }).click();
        const form = page.getByRole("form", { name: "Invite user" });
        assert.equal(
          await page.evaluate(() => (document.activeElement as HTMLInputElement).name),
          "email",
          "the form takes focus",
        );
        await form.getByLabel("Email").fill("not an email");
        await form.getByRole("button", { name: "Invite" }).click();
        await page.locator('[data-error-for="email"]').waitFor();
        await form.getByLabel("Email").fill(INVITEE);
        await form.getByLabel("Role").selectOption("viewer");
        await form.getByRole("button", { name: "Invite" }).click();
        await page.getByTestId("invitation").waitFor();
        link = await page.getByTestId("invitation-url").inputValue();
        assert.match(link, new RegExp(`^${stack.url}/invite#token=[A-Za-z0-9_-]{43}$`));
        assert.equal(
          await page.getByTestId("invitation").locator("h2").textContent(),
          `Invitation for ${INVITEE}`,
        );
        assert.equal(await row(INVITEE).locator("[data-status]").textContent(), "invited");
        await browser.screenshot(page, "users-invited");
      },
    );

    await t.step("the invitee sets a password through the link, once", async () => {
      const invitee = await browser.newPage();
      await invitee.goto(link);
      await invitee.getByRole("heading", { name: "Set your Gantry password" }).waitFor();
      await invitee.getByLabel("New password").fill("a fresh password 123");
      await invitee.getByLabel("Repeat it").fill("a fresh password 123");
      await invitee.getByRole("button", { name: "Set password" }).click();
      await statusSays(invitee, `Your password is set. Sign in as ${INVITEE}.`);
      await invitee.goto(url("/"));
      await invitee.goto(link);
      await invitee.getByLabel("New password").fill("another password 123");
      await invitee.getByLabel("Repeat it").fill("another password 123");
      await invitee.getByRole("button", { name: "Set password" }).click();
      await invitee.getByRole("alert").waitFor();
      assert.equal(
        await invitee.getByRole("alert").textContent(),
        "this invitation was already used; sign in with your password",
      );
      await invitee.context().close();
    });

    await t.step("role change, disable and enable, each saved", async () => {
      await page.getByRole("button", { name: "Done" }).click();
      await page.reload();
      await row(INVITEE).waitFor();
      assert.equal(await row(INVITEE).locator("[data-status]").textContent(), "active");
      await page.getByLabel(`Role of ${INVITEE}`).selectOption("admin");
      await statusSays(page, `${INVITEE} is now an admin.`);
      assert.deepEqual(await roleOf(stack), { role: "admin", isDisabled: false });
      await row(INVITEE).getByRole("button", { name: "Disable" }).click();
      await statusSays(page, `${INVITEE} is disabled.`);
      assert.equal(await row(INVITEE).locator("[data-status]").textContent(), "disabled");
      assert.deepEqual(await roleOf(stack), { role: "admin", isDisabled: true });
      await row(INVITEE).getByRole("button", { name: "Enable" }).click();
      await statusSays(page, `${INVITEE} is enabled.`);
      assert.deepEqual(await roleOf(stack), { role: "admin", isDisabled: false });
      await browser.screenshot(page, "users-list");
    });

    await t.step("delete asks once more, then the user is gone", async () => {
      await row(INVITEE).getByRole("button", { name: "Delete" }).click();
      assert.deepEqual(await roleOf(stack), { role: "admin", isDisabled: false }, "not yet");
      await row(INVITEE).getByRole("button", { name: "Confirm delete" }).click();
      await row(INVITEE).waitFor({ state: "detached" });
      await statusSays(page, `${INVITEE} was deleted.`);
      assert.equal(await roleOf(stack), null);
    });

    await t.step(
      "the last enabled admin cannot be demoted or disabled: the error shows",
      async () => {
        await page.getByLabel(`Role of ${ADMIN.email}`).selectOption("viewer");
        await page.getByTestId("users-error").waitFor();
        assert.equal(await page.getByTestId("users-error").textContent(), LAST_ADMIN);
        await page.waitForFunction(
          (email) =>
            (document.querySelector(`select[aria-label="Role of ${email}"]`) as HTMLSelectElement)
              .value === "admin",
          ADMIN.email,
          { timeout: 30_000 },
        );
        await row(ADMIN.email).getByRole("button", { name: "Disable" }).click();
        await page.getByTestId("users-error").filter({ hasText: "last enabled admin" }).waitFor();
        assert.equal(await row(ADMIN.email).locator("[data-status]").textContent(), "active");
        await browser.screenshot(page, "users-last-admin");
        const refused = await stack.db.select().from(auditEvents)
          .where(eq(auditEvents.outcome, "failed"));
        assert.deepEqual(refused.map((r) => r.action), ["user.role", "user.disable"]);
      },
    );

    await t.step("the Audit page filters by action family", async () => {
      await stack.db.insert(auditEvents).values([
        { at: NOW - 5_000, actor: "reaper", action: "instance.terminate", target: "i-0old" },
        { at: NOW - 4_000, actor: "core", action: "job.state", target: "42" },
      ]);
      await page.getByRole("link", { name: "Audit" }).click();
      await page.waitForURL(url("/audit"));
      await page.locator("tr[data-audit]").first().waitFor();
      await page.getByLabel("Family").selectOption("user");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(url("/audit?family=user"));
      await page.waitForFunction(() =>
        [...document.querySelectorAll("tr[data-audit] td:nth-child(2)")]
          .every((td) => /^(user|auth)\./.test(td.textContent ?? ""))
      );
      const actions = await page.locator("tr[data-audit] td:nth-child(2)").allTextContents();
      assert.ok(actions.includes("user.invite") && actions.includes("user.delete"), `${actions}`);
      await page.getByLabel("Family").selectOption("machine");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(url("/audit?family=machine"));
      await page.waitForFunction(() => document.querySelectorAll("tr[data-audit]").length === 1);
      const cell = page.locator("tr[data-audit] td:nth-child(2)");
      assert.equal(await cell.textContent(), "machine.terminate", "an old row, by its new name");
      assert.equal(await cell.getAttribute("title"), "recorded as instance.terminate");
      assert.equal(await page.locator('[data-tile="audit-total"] .tile-value').textContent(), "1");
      await browser.screenshot(page, "users-audit-family");
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
