/**
 * Times in the viewer's zone, with UTC on hover and a local/UTC toggle the
 * browser remembers, in Chromium set to Asia/Tokyo (UTC+9, no daylight
 * saving) against the edge in workerd and libSQL.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars } from "../support/test_clock.ts";
import { ADMIN, bootstrap, seedJobs, startConsoleStack } from "./stack.ts";

// A fixed instant, whatever GANTRY_TEST_NOW says: the expected times are literal.
const NOW = Date.parse("2026-05-20T10:30:00Z");

Deno.test("times show in the viewer's zone, UTC on hover, and a remembered UTC toggle", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 0, now: NOW });
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const context = await browser.browser.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: "Asia/Tokyo",
    });
    const page = await context.newPage();
    await page.clock.setFixedTime(NOW);
    const url = (path: string) => `${stack.url}${path}`;
    await page.goto(url("/jobs"));
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The newest job was queued a minute before NOW: 10:29:00 UTC, 19:29:00 in Tokyo.
    const queued = page.locator('tr[data-job="7000000005"] time').first();
    await queued.waitFor();
    const toggle = page.getByTestId("time-zone-toggle");

    await t.step("local by default, with the UTC time on hover", async () => {
      assert.equal(await queued.textContent(), "05-20 19:29:00");
      assert.equal(await queued.getAttribute("title"), "2026-05-20 10:29:00 UTC");
      assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    });

    await t.step("the toggle writes every time in UTC", async () => {
      await toggle.click();
      assert.equal(await toggle.getAttribute("aria-pressed"), "true");
      assert.equal(await queued.textContent(), "05-20 10:29:00");
      assert.equal(await queued.getAttribute("title"), "2026-05-20 10:29:00 UTC");
    });

    await t.step("the choice survives a reload, and toggles back", async () => {
      await page.reload();
      await queued.waitFor();
      assert.equal(await queued.textContent(), "05-20 10:29:00");
      assert.equal(await toggle.getAttribute("aria-pressed"), "true");
      await toggle.click();
      assert.equal(await queued.textContent(), "05-20 19:29:00");
      await page.reload();
      await queued.waitFor();
      assert.equal(await queued.textContent(), "05-20 19:29:00");
    });
    await context.close();
  } finally {
    await browser.close();
    await stack.close();
  }
});
