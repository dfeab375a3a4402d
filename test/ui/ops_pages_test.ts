/**
 * The overview's month chart and spend card, and the stats, audit and
 * dead-letter pages in headless Chromium against the edge in workerd and
 * libSQL. Numbers on screen are checked against the job rows; a viewer
 * sees no requeue button and is refused one. Screenshots go to
 * test/output/screenshots/ (07–12).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import * as schema from "../../shared/db/schema.ts";
import { formatUsd } from "../../shared/cost.ts";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";
import {
  coreKeys,
  makeDeadLetter,
  monthStartOf,
  seedMonthEdgeJobs,
  seedStatsJobs,
} from "./ops_fixtures.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { ADMIN, bootstrap, login, seedJobs, sessionCookieOf, startConsoleStack } from "./stack.ts";

const VIEWER = { email: "viewer@example.com", password: "viewer password 12345" };

// The edge's calendar, the browser's and every seeded job run on the test clock, never today.
const NOW = testNow();

async function signIn(browser: TestBrowser, url: string, who: typeof ADMIN): Promise<Page> {
  const page = await browser.newPage();
  await page.clock.setFixedTime(NOW);
  await page.goto(`${url}/`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator('[data-tile="projects"]').waitFor();
  return page;
}

async function tileValue(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-tile="${key}"] .tile-value`).textContent())?.trim() ?? "";
}

Deno.test("the console in Chromium: overview month, stats, audit, dead letters", async (t) => {
  const keys = await coreKeys();
  const now = NOW;
  const stack = await startConsoleStack({ CORE_PUBLIC_KEYS: keys.jwks, ...fixedClockVars(now) });
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 10, now });
    await seedStatsJobs(stack.db, now);
    await seedMonthEdgeJobs(stack.db, now);
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    await (await login(stack.url, { email: ADMIN.email, password: "a wrong password" })).body
      ?.cancel();
    await makeDeadLetter(stack, keys.privateKeyPem, 5151);
    const rows = await stack.db.select().from(schema.jobs);
    const page = await signIn(browser, stack.url, ADMIN);
    const url = (path: string) => `${stack.url}${path}`;

    await t.step("the overview charts this month's days and ranks spend", async () => {
      const monthStart = monthStartOf(now);
      const month = rows.filter((j) => j.queuedAt >= monthStart);
      await page.locator("svg.bar-chart g[data-day]").first().waitFor();
      const bars = await page.locator("svg.bar-chart g[data-day]").evaluateAll((groups) =>
        groups.map((
          g,
        ) => [Number(g.getAttribute("data-completed")), Number(g.getAttribute("data-failed"))])
      );
      assert.equal(bars.length, new Date(now).getUTCDate(), "one day per day so far");
      assert.equal(
        bars.reduce((sum, [completed]) => sum + completed, 0),
        month.filter((j) => j.state === "completed").length,
      );
      assert.equal(
        bars.reduce((sum, [, failed]) => sum + failed, 0),
        month.filter((j) => j.state === "failed" || j.state === "reaped").length,
      );
      await page.getByTestId("spend-total").waitFor();
      assert.equal(
        await page.getByTestId("spend-total").textContent(),
        formatUsd(month.reduce((sum, j) => sum + (j.costUsd ?? 0), 0)),
      );
      const repoCosts = await page.getByTestId("spend-repos").locator("[data-cost]")
        .allTextContents();
      assert.ok(repoCosts.length > 0 && repoCosts.length <= 5);
      assert.ok(
        (await page.getByTestId("spend-card").textContent())?.includes("had no price quote"),
        "the floor is said",
      );
      await browser.screenshot(page, "07-overview-month");
    });

    await t.step("stats: 90 days by pool, tiles, table, senders and latency", async () => {
      await page.getByRole("link", { name: "Stats" }).click();
      await page.waitForURL(url("/stats"));
      await page.getByRole("button", { name: "90 d" }).click();
      await page.waitForURL(/window=90d/);
      await page.getByLabel("Group by").selectOption("pool");
      await page.waitForURL(/groupBy=pool/);
      await page.locator('tr[data-group="pool-large"]').waitFor();
      const inWindow = rows.filter((j) => j.queuedAt >= now - 90 * 86_400_000 && j.queuedAt < now);
      assert.equal(await tileValue(page, "jobs"), String(inWindow.length));
      assert.equal(
        await tileValue(page, "unquoted"),
        String(
          inWindow.filter((j) =>
            j.completedAt !== null && (j.startedAt ?? j.launchedAt) !== null && j.costUsd === null
          ).length,
        ),
      );
      assert.match(
        (await page.locator('[data-tile="cost"] .tile-hint').textContent()) ?? "",
        /a floor/,
      );
      const large = inWindow.filter((j) => j.poolId === "pool-large");
      const largeRow = page.locator('tr[data-group="pool-large"]');
      assert.equal(await largeRow.locator("td").first().textContent(), "my-app/large");
      assert.equal(await largeRow.locator("[data-jobs]").textContent(), String(large.length));
      assert.equal(
        await largeRow.locator("[data-cost]").textContent(),
        formatUsd(large.reduce((sum, j) => sum + (j.costUsd ?? 0), 0)),
      );
      assert.equal(await page.getByTestId("top-senders").locator("li").count(), 5);
      await page.locator('[data-testid="latency"] tr[data-pool="pool-small"]').waitFor();
      assert.notEqual(
        await page.locator('tr[data-pool="pool-small"] [data-p50]').textContent(),
        "—",
      );
      await browser.screenshot(page, "08-stats");
    });

    await t.step("stats: a custom window by label, from the URL", async () => {
      const day = (offset: number) =>
        new Date(now - offset * 86_400_000).toISOString().slice(0, 10);
      await page.goto(url(`/stats?window=custom&from=${day(20)}&to=${day(2)}&groupBy=label`));
      await page.locator('tr[data-group="linux"]').waitFor();
      const from = Date.parse(`${day(20)}T00:00:00Z`);
      const to = Date.parse(`${day(2)}T00:00:00Z`) + 86_400_000;
      const inWindow = rows.filter((j) => j.queuedAt >= from && j.queuedAt < to);
      assert.equal(await tileValue(page, "jobs"), String(inWindow.length));
      assert.equal(
        await page.locator('tr[data-group="arm64"] [data-jobs]').textContent(),
        String(inWindow.filter((j) => j.labels.includes("arm64")).length),
      );
      assert.equal(await page.getByLabel("From (UTC)").inputValue(), day(20));
      await browser.screenshot(page, "09-stats-custom-by-label");
    });

    await t.step("audit: failures tile, action filter, payload panel", async () => {
      await page.getByRole("link", { name: "Audit" }).click();
      await page.waitForURL(url("/audit"));
      await page.locator("tr[data-audit]").first().waitFor();
      assert.equal(await tileValue(page, "audit-failures"), "1", "the wrong password");
      await page.getByLabel("Action").selectOption("auth.login");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/action=auth\.login/);
      await page.waitForFunction(() =>
        [...document.querySelectorAll("tr[data-audit] td:nth-child(2)")]
          .every((td) => td.textContent === "auth.login")
      );
      const actions = await page.locator("tr[data-audit] td:nth-child(2)").allTextContents();
      assert.equal(actions.length, 2, "the failed and the successful sign-in");
      await page.locator("tr[data-audit]").last().click();
      const payload = JSON.parse((await page.getByTestId("audit-payload").textContent()) ?? "");
      assert.equal(payload.reason, "bad_password");
      assert.ok(!JSON.stringify(payload).includes("a wrong password"), "no password in the log");
      await browser.screenshot(page, "10-audit");
    });

    await t.step(
      "dead letters: listed with the message, requeued by an admin, audited",
      async () => {
        await page.getByRole("link", { name: "Dead letters" }).click();
        await page.waitForURL(url("/dead-letters"));
        const row = page.locator("tr[data-event]");
        await row.first().waitFor();
        assert.equal(await row.count(), 1);
        assert.match(
          (await row.textContent()) ?? "",
          /workflow_job\.queued.*5151.*octocat\/hello-world/,
        );
        await row.click();
        const message = JSON.parse(
          (await page.getByTestId("dead-letter-message").textContent()) ?? "",
        );
        assert.equal(message.job.githubJobId, 5151);
        await browser.screenshot(page, "11-dead-letters");
        await row.getByRole("button", { name: "Requeue" }).click();
        await page.getByRole("status").waitFor();
        assert.match((await page.getByRole("status").textContent()) ?? "", /back in the queue/);
        await page.getByText("No dead letters").waitFor();
        await page.goto(url("/audit?action=dead_letter.requeue"));
        await page.locator("tr[data-audit]").first().waitFor();
        assert.match(
          (await page.locator("tr[data-audit]").first().textContent()) ?? "",
          /dead_letter\.requeue.*admin@example\.com/,
        );
      },
    );

    await t.step(
      "a viewer sees dead letters without a requeue button, and is refused one",
      async () => {
        await makeDeadLetter(stack, keys.privateKeyPem, 5252);
        const cookie = sessionCookieOf(await login(stack.url, ADMIN));
        const created = await fetch(`${stack.url}/api/v1/users`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie },
          body: JSON.stringify({ ...VIEWER, role: "viewer" }),
        });
        assert.equal(created.status, 201);
        await created.body?.cancel();
        const viewerPage = await signIn(browser, stack.url, VIEWER);
        await viewerPage.goto(url("/dead-letters"));
        await viewerPage.locator("tr[data-event]").first().waitFor();
        assert.equal(await viewerPage.getByRole("button", { name: "Requeue" }).count(), 0);
        const eventId = await viewerPage.locator("tr[data-event]").first().getAttribute(
          "data-event",
        );
        const status = await viewerPage.evaluate(async (id) => {
          const response = await fetch(`/api/v1/dead-letters/${id}/requeue`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          return response.status;
        }, eventId);
        assert.equal(status, 403);
        await browser.screenshot(viewerPage, "12-dead-letters-viewer");
      },
    );
  } finally {
    await browser.close();
    await stack.close();
  }
});
