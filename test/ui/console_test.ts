/**
 * The console in headless Chromium against the edge in workerd and real
 * libSQL: bootstrap an admin, sign in through the form, watch the overview,
 * page and filter the jobs seeded into libSQL, open a job's timeline, sign
 * out; a viewer is refused a change. Screenshots of each page go to
 * test/output/screenshots/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "../support/browser.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  login,
  type Seed,
  seedJobs,
  startConsoleStack,
} from "./stack.ts";

const VIEWER = { email: "viewer@example.com", password: "viewer password 12345" };

async function tileValue(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-tile="${key}"] .tile-value`).textContent())?.trim() ?? "";
}

function rowOf(page: Page, jobId: string) {
  return page.locator(`tr[data-job="${jobId}"]`);
}

Deno.test("the console in Chromium: sign-in, overview, jobs, job detail, sign-out", async (t) => {
  const stack: ConsoleStack = await startConsoleStack();
  const browser = await launchBrowser();
  let seed: Seed | undefined;
  try {
    seed = await seedJobs(stack.db);
    const created = await bootstrap(stack.url, ADMIN);
    assert.equal(created.status, 201, await created.text());
    const page = await browser.newPage();
    // The page's timers run on Playwright's clock (real time unless advanced),
    // so the refresh step moves time on rather than waiting out the interval.
    await page.clock.install();
    const url = (path: string) => `${stack.url}${path}`;
    const jobs = seed.jobs;

    await t.step("signed out, any page leads to the sign-in form (no SSO offered)", async () => {
      await page.goto(url("/jobs"));
      await page.waitForURL(/\/signin\?next=%2Fjobs$/);
      await page.getByRole("heading", { name: "Sign in to Gantry" }).waitFor();
      assert.equal(await page.getByText("Sign in with SSO").count(), 0);
      await browser.screenshot(page, "01-sign-in");
    });

    await t.step("a wrong password shows an error and stays on the form", async () => {
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.equal((await alert.textContent())?.trim(), "Wrong email or password.");
      assert.match(page.url(), /\/signin/);
      await browser.screenshot(page, "02-sign-in-error");
    });

    await t.step("signing in through the form lands on the page asked for", async () => {
      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(url("/jobs"));
      await page.getByRole("heading", { name: "Jobs" }).waitFor();
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === "__Host-gantry_session");
      assert.ok(session, "session cookie set");
      assert.equal(session.httpOnly, true);
      assert.equal(session.secure, true);
      assert.equal(session.sameSite, "Strict");
      assert.equal(
        await page.evaluate(() => document.cookie),
        "",
        "scripts cannot read the session",
      );
      assert.match((await page.getByTestId("who").textContent()) ?? "", /admin@example\.com/);
    });

    await t.step("the overview shows live tiles from libSQL and the edge queue", async () => {
      await page.getByRole("link", { name: "Overview" }).click();
      await page.waitForURL(url("/"));
      await page.locator('[data-tile="projects"]').waitFor();
      assert.equal(await tileValue(page, "projects"), "1");
      assert.equal(await tileValue(page, "repos"), "2");
      assert.equal(await tileValue(page, "waiting"), "1", "the queued job");
      assert.equal(await tileValue(page, "running"), "1");
      assert.equal(await tileValue(page, "completed"), String(1 + (seed!.total - 5)));
      assert.equal(await tileValue(page, "failed"), "2", "failed + reaped");
      // 0.00416 + 0.0208 + 1.2345 + fillers × $0.05
      assert.equal(
        await tileValue(page, "spend"),
        `$${(1.25946 + (seed!.total - 5) * 0.05).toFixed(2)}`,
      );
      assert.equal(await tileValue(page, "queue"), "0");
      await browser.screenshot(page, "03-overview");
    });

    await t.step("the overview refreshes by itself on its 5 s interval", async () => {
      await stack.client.execute({
        sql: `INSERT INTO jobs (id, github_job_id, run_id, repo_full_name, job_name, sha, labels,
                state, queued_at, started_at, updated_at)
              VALUES ('7000000099', 7000000099, 1, 'octocat/hello-world', 'late', 'abc', '[]',
                'running', ?, ?, ?)`,
        args: [Date.now(), Date.now(), Date.now()],
      });
      // One refresh interval on the page's clock; then only the fetch is waited for.
      await page.clock.runFor(5_000);
      await page.waitForFunction(
        () => document.querySelector('[data-tile="running"] .tile-value')?.textContent === "2",
        null,
        { timeout: 30_000 },
      );
    });

    await t.step("jobs are listed newest first with colour-coded status and costs", async () => {
      await page.getByRole("link", { name: "Jobs" }).click();
      await page.waitForURL(url("/jobs"));
      // The list keeps the page seen at sign-in until the reload lands; wait for the new job.
      await page.locator('tr[data-job="7000000099"]').waitFor();
      const ids = await page.locator("tbody tr[data-job]").evaluateAll((rows) =>
        rows.map((row) => row.getAttribute("data-job"))
      );
      assert.equal(ids.length, 50, "first page of 50");
      assert.deepEqual(ids.slice(0, 6), [
        "7000000099",
        jobs.subCent.id,
        jobs.failed.id,
        jobs.running.id,
        jobs.queued.id,
        jobs.reaped.id,
      ]);
      const expectations: [typeof jobs.subCent, string, string][] = [
        [jobs.subCent, "badge-good", "$0.0042"],
        [jobs.failed, "badge-bad", "$0.02"],
        [jobs.running, "badge-active", "—"],
        [jobs.queued, "badge-waiting", "—"],
        [jobs.reaped, "badge-bad", "$1.23"],
      ];
      for (const [job, badge, cost] of expectations) {
        const row = rowOf(page, job.id);
        const status = row.locator(".badge");
        assert.equal(await status.textContent(), job.state);
        assert.match((await status.getAttribute("class")) ?? "", new RegExp(badge));
        assert.equal(await row.locator("[data-cost]").textContent(), cost, `cost of ${job.state}`);
        assert.equal(await row.locator("td").nth(1).textContent(), job.repo);
        assert.equal(await row.locator("td").nth(4).textContent(), job.instanceId ?? "—");
      }
      const subCentRow = rowOf(page, jobs.subCent.id);
      assert.equal(await subCentRow.locator("td").nth(7).textContent(), "4m 10s", "run duration");
      await browser.screenshot(page, "04-jobs");
    });

    await t.step("cursor paging walks to older jobs and back", async () => {
      await page.getByRole("button", { name: "Older →" }).click();
      await page.getByTestId("page").filter({ hasText: "Page 2" }).waitFor();
      const older = await page.locator("tbody tr[data-job]").count();
      assert.equal(older, seed!.total + 1 - 50);
      assert.equal(await page.getByRole("button", { name: "Older →" }).isDisabled(), true);
      await page.getByRole("button", { name: "← Newer" }).click();
      await page.getByTestId("page").filter({ hasText: "Page 1" }).waitFor();
      await page.locator(`tr[data-job="7000000099"]`).waitFor();
    });

    await t.step("filters narrow the list and live in the URL", async () => {
      await page.getByLabel("Status").selectOption("failed");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(url("/jobs?status=failed"));
      await page.waitForFunction(() =>
        document.querySelectorAll("tbody tr[data-job]").length === 1
      );
      assert.equal(
        await page.locator("tbody tr[data-job]").getAttribute("data-job"),
        jobs.failed.id,
      );
      await browser.screenshot(page, "05-jobs-filtered");

      await page.goto(url("/jobs?repo=octocat%2Fspoon-knife&pool=large"));
      await page.locator(`tr[data-job="${jobs.queued.id}"]`).waitFor();
      const repos = await page.locator("tbody tr[data-job] td:nth-child(2)").allTextContents();
      assert.ok(repos.length > 0 && repos.every((r) => r === "octocat/spoon-knife"), String(repos));
      assert.equal(await page.getByLabel("Repo").inputValue(), "octocat/spoon-knife");
    });

    await t.step(
      "a job's detail shows its placement, cost, failure and full timeline",
      async () => {
        await page.goto(url("/jobs"));
        await (rowOf(page, jobs.failed.id)).getByRole("link", {
          name: String(jobs.failed.githubJobId),
        })
          .click();
        await page.waitForURL(url(`/jobs/${jobs.failed.id}`));
        const timeline = page.getByTestId("timeline");
        await timeline.locator("li").first().waitFor();
        const steps = await timeline.locator("li").evaluateAll((items) =>
          items.map((item) => item.getAttribute("data-to"))
        );
        assert.deepEqual(steps, ["queued", "claimed", "launching", "failed"]);
        assert.equal(
          await page.getByTestId("failure-reason").textContent(),
          jobs.failed.failureReason,
        );
        assert.equal(await page.getByTestId("detail-cost").textContent(), "$0.02");
        const text = (await page.locator(".job-detail").textContent()) ?? "";
        for (
          const expected of [
            "my-app",
            "large",
            "m5.large",
            "spot",
            "us-east-1a",
            "$0.0960/h",
            "6dcb09b5b578",
            "Launch attempts3",
          ]
        ) {
          assert.ok(text.includes(expected), `detail shows ${expected}`);
        }
        const github = page.getByRole("link", { name: /Open in GitHub/ });
        assert.match(
          (await github.getAttribute("href")) ?? "",
          /github\.com\/octocat\/spoon-knife\/actions\/runs\//,
        );
        await browser.screenshot(page, "06-job-detail");
      },
    );

    await t.step(
      "a job's URL opens directly, and a sub-cent cost keeps four decimals",
      async () => {
        await page.goto(url(`/jobs/${jobs.subCent.id}`));
        await page.getByTestId("detail-cost").waitFor();
        assert.equal(await page.getByTestId("detail-cost").textContent(), "$0.0042");
        const steps = await page.getByTestId("timeline").locator("li").count();
        assert.equal(steps, 6);
      },
    );

    await t.step(
      "signing out returns to the sign-in form and pages need signing in again",
      async () => {
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.getByRole("heading", { name: "Sign in to Gantry" }).waitFor();
        await page.goto(url("/"));
        await page.waitForURL(/\/signin/);
        const me = await page.evaluate(async () => (await fetch("/api/v1/auth/me")).status);
        assert.equal(me, 401);
      },
    );

    await t.step("a viewer signed in through the browser is refused a change (403)", async () => {
      const adminLogin = await login(stack.url, ADMIN);
      const cookie = adminLogin.headers.getSetCookie()[0].split(";")[0];
      const createViewer = await fetch(`${stack.url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ ...VIEWER, role: "viewer" }),
      });
      assert.equal(createViewer.status, 201);
      await createViewer.body?.cancel();

      const viewerPage = await browser.newPage();
      await viewerPage.goto(url("/"));
      await viewerPage.getByLabel("Email").fill(VIEWER.email);
      await viewerPage.getByLabel("Password").fill(VIEWER.password);
      await viewerPage.getByRole("button", { name: "Sign in" }).click();
      await viewerPage.locator('[data-tile="projects"]').waitFor();
      assert.match((await viewerPage.getByTestId("who").textContent()) ?? "", /viewer/);
      const answer = await viewerPage.evaluate(async () => {
        const response = await fetch("/api/v1/users", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            email: "sneaky@example.com",
            password: "a long password 123",
            role: "admin",
          }),
        });
        return { status: response.status, body: await response.json() };
      });
      assert.equal(answer.status, 403);
      assert.equal(answer.body.error.code, "forbidden");
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
