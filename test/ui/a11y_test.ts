/**
 * Every console page, full of seeded data (tables, charts, forms and open
 * panels), checked in Chromium with axe-core's WCAG 2 A/AA rules against
 * the edge in workerd and libSQL. Any violation fails the test, and the
 * per-page counts are printed so a change shows what it broke.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { axeViolations, elementCount, type Violation } from "./a11y_axe.ts";
import { coreKeys, makeDeadLetter, seedMonthEdgeJobs, seedStatsJobs } from "./ops_fixtures.ts";
import { ADMIN, bootstrap, login, seedJobs, startConsoleStack } from "./stack.ts";

const NOW = testNow();

/** A page state to check: how to reach it from a signed-in page. */
interface Screen {
  name: string;
  open(page: Page, url: (path: string) => string): Promise<void>;
}

const SCREENS: Screen[] = [
  {
    name: "overview",
    async open(page, url) {
      await page.goto(url("/"));
      await page.locator("svg.bar-chart g[data-day]").first().waitFor();
      await page.getByTestId("spend-total").waitFor();
    },
  },
  {
    name: "jobs",
    async open(page, url) {
      await page.goto(url("/jobs"));
      await page.locator("tbody tr").nth(5).waitFor();
    },
  },
  {
    name: "job detail",
    async open(page, url) {
      await page.goto(url("/jobs/7000000004"));
      await page.getByText("InsufficientInstanceCapacity", { exact: false }).first().waitFor();
    },
  },
  {
    name: "stats",
    async open(page, url) {
      await page.goto(url("/stats?window=90d&groupBy=pool"));
      await page.locator('tr[data-group="pool-large"]').waitFor();
      await page.locator('[data-testid="latency"] tr[data-pool="pool-small"]').waitFor();
    },
  },
  {
    name: "audit with a payload open",
    async open(page, url) {
      await page.goto(url("/audit"));
      await page.locator("tr[data-audit]").first().click();
      await page.getByTestId("audit-payload").waitFor();
    },
  },
  {
    name: "dead letters with a message open",
    async open(page, url) {
      await page.goto(url("/dead-letters"));
      await page.locator("tr[data-event]").first().click();
      await page.getByTestId("dead-letter-message").waitFor();
    },
  },
  {
    name: "projects with the form open",
    async open(page, url) {
      await page.goto(url("/projects"));
      await page.getByRole("button", { name: "New project" }).click();
      await page.getByRole("form", { name: "Project" }).waitFor();
    },
  },
  {
    name: "repos with the form open",
    async open(page, url) {
      await page.goto(url("/repos"));
      await page.getByRole("button", { name: "Bind repo" }).click();
      await page.getByRole("form", { name: "Repo binding" }).waitFor();
    },
  },
  {
    name: "pools with runs-on open",
    async open(page, url) {
      await page.goto(url("/pools"));
      await page.locator("tr[data-pool]").first().getByRole("button", { name: "runs-on" })
        .click();
      await page.getByTestId("runs-on").waitFor();
    },
  },
  {
    name: "pools with the form open",
    async open(page, url) {
      await page.goto(url("/pools"));
      await page.getByRole("button", { name: "New pool" }).click();
      await page.getByRole("form", { name: "Pool" }).waitFor();
    },
  },
  {
    name: "users with an invitation link shown",
    async open(page, url) {
      await page.goto(url("/users"));
      await page.locator('tr[data-user="admin@example.com"]').waitFor();
      await page.getByRole("button", { name: "Invite user" }).click();
      const form = page.getByRole("form", { name: "Invite user" });
      await form.getByLabel("Email").fill("a11y.invitee@example.com");
      await form.getByRole("button", { name: "Invite" }).click();
      await page.getByTestId("invitation").waitFor();
      await page.locator('tr[data-user="a11y.invitee@example.com"]').waitFor();
    },
  },
  {
    name: "backup",
    async open(page, url) {
      await page.goto(url("/backup"));
      await page.getByRole("button", { name: "Export JSON" }).waitFor();
    },
  },
];

Deno.test("every console page passes axe-core's WCAG 2 A/AA rules", async () => {
  const keys = await coreKeys();
  const stack = await startConsoleStack({ CORE_PUBLIC_KEYS: keys.jwks, ...fixedClockVars(NOW) });
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 10, now: NOW });
    await seedStatsJobs(stack.db, NOW);
    await seedMonthEdgeJobs(stack.db, NOW);
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    await (await login(stack.url, { email: ADMIN.email, password: "a wrong password" })).body
      ?.cancel();
    await makeDeadLetter(stack, keys.privateKeyPem, 6161);
    const url = (path: string) => `${stack.url}${path}`;
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);

    const found = new Map<string, Violation[]>();
    await page.goto(url("/"));
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    found.set("sign-in", await axeViolations(page));
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-tile="projects"]').waitFor();
    for (const screen of SCREENS) {
      await screen.open(page, url);
      found.set(screen.name, await axeViolations(page));
    }

    const counts = [...found].map(([name, violations]) => `${name}: ${elementCount(violations)}`);
    console.log(`axe WCAG 2 A/AA elements in violation per page\n  ${counts.join("\n  ")}`);
    const broken = [...found].filter(([, violations]) => violations.length > 0);
    assert.deepEqual(
      Object.fromEntries(broken),
      {},
      "no page breaks a WCAG 2 A/AA rule",
    );
  } finally {
    await browser.close();
    await stack.close();
  }
});
