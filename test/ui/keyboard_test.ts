/**
 * A typical operator's task in Chromium with the keyboard alone, against the
 * edge in workerd and libSQL: sign in, skip to the page, go to Jobs, filter
 * failed jobs, open one, read an audit payload, open a pool's runs-on dialog
 * and close it with Escape, sign out. Focus must always show a ring.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { ADMIN, bootstrap, seedJobs, startConsoleStack } from "./stack.ts";

const NOW = testNow();

/** What has focus: its tag, accessible text and whether a focus ring is drawn. */
interface Focused {
  tag: string;
  text: string;
  hasRing: boolean;
}

async function focused(page: Page): Promise<Focused> {
  return await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: "body", text: "", hasRing: false };
    const style = getComputedStyle(el);
    const hasRing = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    // A form field is named by its name attribute: its label also holds a select's options.
    const field = el as HTMLInputElement;
    const text = el.getAttribute("aria-label") ??
      (field.name ? `[name=${field.name}]` : (el.textContent ?? "").trim());
    return { tag: el.tagName.toLowerCase(), text, hasRing };
  });
}

/**
 * Presses Tab until the focused element's text is `text`, at most `limit`
 * times; every stop on the way must show a focus ring.
 */
async function tabTo(
  page: Page,
  text: string | RegExp,
  options: { limit?: number; key?: "Tab" | "Shift+Tab" } = {},
): Promise<Focused> {
  const limit = options.limit ?? 40;
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(options.key ?? "Tab");
    const now = await focused(page);
    // Right after a load, Chromium may first give the document itself focus.
    if (i === 0 && now.tag === "body") continue;
    const why = now.hasRing ? "" : await page.evaluate(() => {
      const el = document.activeElement!;
      const st = getComputedStyle(el);
      return `${st.outlineStyle} ${st.outlineWidth} ${el.matches(":focus")} ${el.isConnected} ${
        [...document.querySelectorAll(":focus")].map((e) => e.tagName)
      }`;
    });
    assert.ok(now.hasRing, `a focus ring on <${now.tag}> "${now.text.slice(0, 40)}" ${why}`);
    if (typeof text === "string" ? now.text === text : text.test(now.text)) return now;
  }
  throw new Error(`"${text}" was not reached in ${limit} presses of Tab`);
}

Deno.test("an operator's task by keyboard alone, focus always visible", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 5, now: NOW });
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);
    const url = (path: string) => `${stack.url}${path}`;

    await t.step("sign in with Tab, typing and Enter", async () => {
      await page.goto(url("/"));
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.deepEqual(await focused(page), { tag: "input", text: "[name=email]", hasRing: true });
      await page.keyboard.type(ADMIN.email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(ADMIN.password);
      await page.keyboard.press("Enter");
      await page.locator('[data-tile="projects"]').waitFor();
    });

    await t.step("the first Tab offers a skip link that focuses the page", async () => {
      await page.keyboard.press("Tab");
      assert.deepEqual(await focused(page), { tag: "a", text: "Skip to content", hasRing: true });
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
      assert.equal(page.url(), url("/"), "no navigation");
    });

    await t.step("navigate to Jobs, filter failed jobs and open one", async () => {
      await page.goto(url("/"));
      await page.locator('[data-tile="projects"]').waitFor();
      await tabTo(page, "Jobs");
      await page.keyboard.press("Enter");
      await page.waitForURL(url("/jobs"));
      await tabTo(page, "[name=status]");
      await page.keyboard.type("failed");
      assert.equal(await page.locator("select[name=status]").inputValue(), "failed");
      await tabTo(page, "Apply");
      await page.keyboard.press("Enter");
      await page.waitForURL(url("/jobs?status=failed"));
      await page.waitForFunction(
        () => document.querySelectorAll("tr[data-job]").length === 1,
        undefined,
        { timeout: 10_000 },
      );
      assert.equal(
        await page.locator("tr[data-job]").getAttribute("data-job"),
        "7000000004",
        "the one failed job",
      );
      await tabTo(page, "7000000004");
      await page.keyboard.press("Enter");
      await page.waitForURL(url("/jobs/7000000004"));
      await page.getByText("InsufficientInstanceCapacity", { exact: false }).first().waitFor();
      // The instance links to the AWS console of its zone's region, reachable by Tab.
      await tabTo(page, "i-0aaa000000000004 ↗");
      assert.equal(
        await page.getByTestId("instance-console-link").getAttribute("href"),
        "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0aaa000000000004",
      );
    });

    await t.step("audit: a row opens its payload with Enter", async () => {
      await page.goto(url("/audit"));
      await page.locator("tr[data-audit]").first().waitFor();
      const last = page.locator("tr[data-audit]").last();
      const action = (await last.locator("td").nth(1).textContent()) ?? "";
      // Backwards from the end of the page: the newest-last row comes before the filters.
      await tabTo(page, new RegExp(action.replace(".", "\\.")), { key: "Shift+Tab" });
      await page.keyboard.press("Enter");
      await page.getByTestId("audit-payload").waitFor();
      assert.equal(await page.getByTestId("audit-panel").locator("h2").textContent(), action);
    });

    await t.step(
      "pools: the runs-on dialog takes focus, Escape closes it and returns focus",
      async () => {
        await page.goto(url("/pools"));
        await page.locator("tr[data-pool]").first().waitFor();
        await tabTo(page, "runs-on");
        const opener = await page.evaluate(() =>
          document.activeElement?.closest("tr")?.dataset.pool
        );
        await page.keyboard.press("Enter");
        const dialog = page.getByRole("dialog", { name: /^runs-on for / });
        await dialog.waitFor();
        await page.waitForFunction(
          () =>
            document.activeElement?.closest('[role="dialog"]') !== null &&
            document.activeElement?.tagName === "INPUT",
          undefined,
          { timeout: 30_000 },
        );
        assert.equal(
          await page.evaluate(() => (document.activeElement as HTMLInputElement).list?.id),
          "runs-on-repos",
          "focus is on the dialog's repository field",
        );
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        await page.waitForFunction(
          (pool) => document.activeElement?.closest("tr")?.dataset.pool === pool,
          opener,
          { timeout: 30_000 },
        );
        assert.deepEqual(await focused(page), { tag: "button", text: "runs-on", hasRing: true });
        assert.equal(
          await page.evaluate(() => document.activeElement?.closest("tr")?.dataset.pool),
          opener,
          "focus is back on the button that opened it",
        );
      },
    );

    await t.step(
      "pools: Escape closes the edit form and returns focus to its Edit button",
      async () => {
        await page.goto(url("/pools"));
        await page.locator("tr[data-pool]").first().waitFor();
        await tabTo(page, "Edit");
        const opener = await page.evaluate(() =>
          document.activeElement?.closest("tr")?.dataset.pool
        );
        await page.keyboard.press("Enter");
        const form = page.getByRole("form", { name: "Pool" });
        await form.waitFor();
        await page.waitForFunction(
          () => document.activeElement?.closest("form")?.getAttribute("aria-label") === "Pool",
          undefined,
          { timeout: 30_000 },
        );
        await page.keyboard.press("Escape");
        await form.waitFor({ state: "detached" });
        assert.deepEqual(await focused(page), { tag: "button", text: "Edit", hasRing: true });
        assert.equal(
          await page.evaluate(() => document.activeElement?.closest("tr")?.dataset.pool),
          opener,
          "focus is back on the Edit button that opened it",
        );
      },
    );

    await t.step(
      "projects: Escape closes the new-project form and returns focus to its button",
      async () => {
        await page.goto(url("/projects"));
        await page.locator("tr[data-project]").first().waitFor();
        await tabTo(page, "New project");
        await page.keyboard.press("Enter");
        const form = page.getByRole("form", { name: "Project" });
        await form.waitFor();
        await page.waitForFunction(
          () => document.activeElement?.closest("form")?.getAttribute("aria-label") === "Project",
          undefined,
          { timeout: 30_000 },
        );
        await page.keyboard.press("Escape");
        await form.waitFor({ state: "detached" });
        assert.deepEqual(await focused(page), {
          tag: "button",
          text: "New project",
          hasRing: true,
        });
      },
    );

    await t.step("sign out with the keyboard", async () => {
      await tabTo(page, "Sign out", { key: "Shift+Tab" });
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: "Sign in" }).waitFor();
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
