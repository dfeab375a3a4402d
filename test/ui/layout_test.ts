/**
 * The console at a phone's width (390 px) and a desktop's (1400 px) in
 * Chromium against the edge in workerd and libSQL: on the phone the sidebar
 * folds into a menu and the jobs table keeps each job's status and link in
 * view. Screenshots go to test/output/screenshots/ (layout-*).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { ADMIN, bootstrap, seedJobs, startConsoleStack } from "./stack.ts";

const NOW = testNow();

/** The right edge of every element `selector` matches, in CSS pixels. */
async function rightEdges(page: Page, selector: string): Promise<number[]> {
  return await page.locator(selector).evaluateAll((els) =>
    els.map((el) => Math.ceil(el.getBoundingClientRect().right))
  );
}

Deno.test("the console at 390 px folds its sidebar and keeps status and job links in view", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 8, now: NOW });
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);
    const url = (path: string) => `${stack.url}${path}`;
    await page.goto(url("/"));
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-tile="projects"]').waitFor();
    const menu = page.getByRole("button", { name: "Menu" });
    const jobsLink = page.getByRole("link", { name: "Jobs", exact: true });

    await t.step("at 1400 px the sidebar shows every link and no menu button", async () => {
      await page.setViewportSize({ width: 1400, height: 900 });
      assert.equal(await menu.isVisible(), false);
      assert.equal(await jobsLink.isVisible(), true);
      await page.goto(url("/jobs"));
      await page.locator("tr[data-job]").first().waitFor();
      assert.equal(await page.locator("table.jobs th").count(), 9);
      assert.equal(await page.locator("table.jobs th:visible").count(), 9);
      await browser.screenshot(page, "layout-1400-jobs");
    });

    await t.step("at 390 px the links sit behind a menu that closes on navigation", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(url("/"));
      await page.locator('[data-tile="projects"]').waitFor();
      assert.equal(await menu.isVisible(), true);
      assert.equal(await menu.getAttribute("aria-expanded"), "false");
      assert.equal(await jobsLink.isVisible(), false);
      await browser.screenshot(page, "layout-390-overview");
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth),
        390,
        "nothing sticks out sideways",
      );
      await menu.click();
      assert.equal(await menu.getAttribute("aria-expanded"), "true");
      await browser.screenshot(page, "layout-390-menu");
      await jobsLink.click();
      await page.waitForURL(url("/jobs"));
      assert.equal(await menu.getAttribute("aria-expanded"), "false");
      assert.equal(await jobsLink.isVisible(), false);
    });

    await t.step("at 390 px every job row shows its status and its link", async () => {
      await page.locator("tr[data-job]").nth(7).waitFor();
      const rows = await page.locator("tr[data-job]").count();
      assert.equal(rows, 13, "five named jobs and eight fillers");
      const badges = await rightEdges(page, "tr[data-job] td:first-child .badge");
      const links = await rightEdges(page, 'tr[data-job] a[href^="/jobs/"]');
      assert.equal(badges.length, rows);
      assert.equal(links.length, rows);
      const [visible] = await rightEdges(page, ".table-wrap");
      assert.ok(visible <= 390);
      for (const right of [...badges, ...links]) {
        assert.ok(right <= visible, `${right} px within the table's ${visible} px`);
      }
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth),
        390,
        "the page does not scroll sideways",
      );
      await browser.screenshot(page, "layout-390-jobs");
    });

    await t.step("at 390 px the overview chart keeps its axis labels in view", async () => {
      await page.goto(url("/"));
      await page.locator("svg.bar-chart g[data-day]").first().waitFor();
      const labels = await page.locator("svg.bar-chart").evaluate((svg) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll("text")].map((text) => {
          const r = text.getBoundingClientRect();
          const style = getComputedStyle(text);
          return {
            text: text.textContent,
            isInside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
              r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= 390,
            isShown: r.width > 0 && r.height >= 8 && style.visibility !== "hidden" &&
              style.display !== "none",
            left: r.left,
            right: r.right,
          };
        });
      });
      const days = labels.slice(1);
      const shownDays = (await page.locator("svg.bar-chart g[data-day]").evaluateAll((gs) =>
        gs.map((g) =>
          Number(g.getAttribute("data-day"))
        )
      )).filter((day) => day === 1 || day % 5 === 0).map(String);
      assert.ok(shownDays.length >= 2, `${shownDays}`);
      assert.deepEqual(days.map((l) => l.text), shownDays, "day 1 and every fifth day");
      for (const label of labels) {
        assert.ok(label.isInside && label.isShown, `label ${label.text}: ${JSON.stringify(label)}`);
      }
      for (let i = 1; i < days.length; i++) {
        assert.ok(
          days[i].left >= days[i - 1].right,
          `labels ${days[i - 1].text} and ${days[i].text} overlap`,
        );
      }
      await browser.screenshot(page, "layout-390-chart");
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
