/**
 * A job's waterfall in Chromium against the edge in workerd and libSQL: the
 * stages the core recorded beside the jobs row (webhook, lease, launch call,
 * boot, runner online) and those the row holds (GitHub's queued time, claim,
 * start), each gap with whose time it was and why the job waited; then the
 * Stats page's p50/p95 per stage and pool, and the top reasons for waiting.
 */
import assert from "node:assert/strict";
import { jobStages, jobWaits } from "../../shared/db/schema.ts";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars } from "../support/test_clock.ts";
import { ADMIN, bootstrap, seedJobs, startConsoleStack } from "./stack.ts";

const NOW = Date.parse("2026-05-20T10:30:00Z");

Deno.test("where the wait went: a job's waterfall, and stage latency per pool", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    const seed = await seedJobs(stack.db, { fillers: 0, now: NOW });
    // The newest job: GitHub queued it at Q, it was claimed at Q + 10 s and started at Q + 40 s.
    const job = seed.jobs.subCent;
    const Q = NOW - 60_000;
    await stack.db.insert(jobStages).values(
      ([
        ["webhook_received", 1_500],
        ["leased", 1_520],
        ["launch_sent", 10_200],
        ["launch_answered", 10_700],
        ["booted", 30_700],
        ["runner_online", 35_000],
      ] as const).map(([stage, after]) => ({ jobId: job.id, stage, at: Q + after })),
    );
    await stack.db.insert(jobWaits).values([
      { jobId: job.id, reason: "cap", firstAt: Q + 1_520, lastAt: Q + 9_000, count: 4 },
      { jobId: job.id, reason: "capacity", firstAt: Q + 10_300, lastAt: Q + 10_300, count: 1 },
    ]);
    // The reaped job (small pool, queued 5 min ago): its webhook and lease only.
    const reapedQ = NOW - 5 * 60_000;
    await stack.db.insert(jobStages).values([
      { jobId: seed.jobs.reaped.id, stage: "webhook_received", at: reapedQ + 500 },
      { jobId: seed.jobs.reaped.id, stage: "leased", at: reapedQ + 600 },
    ]);
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);
    await page.goto(`${stack.url}/jobs/${job.id}`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await t.step("the job's waterfall", async () => {
      const table = page.getByRole("table", { name: "Where the job's wait went, stage by stage" });
      await table.waitFor();

      const rows = await table.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll("td")].filter((td) => td.getAttribute("aria-hidden") !== "true")
            .map((td) => td.textContent?.trim())
        )
      );
      assert.deepEqual(rows, [
        ["webhook received", "GitHub", "1.5 s", "—"],
        ["core leased it", "Gantry", "20 ms", "—"],
        ["claimed for launch", "Gantry", "8.5 s", "a concurrency cap"],
        ["launch call sent", "Gantry", "200 ms", "—"],
        ["launch call answered", "provider", "500 ms", "a capacity retry"],
        ["instance booted", "provider", "20.0 s", "—"],
        ["runner online", "runner", "4.3 s", "—"],
        ["job in progress", "GitHub", "5.0 s", "—"],
      ]);
      assert.equal(
        (await page.getByTestId("waterfall-total").textContent())?.trim(),
        "GitHub queued the job → job in progress: 40.0 s, of which Gantry's own 8.7 s",
      );
      // The bars share the job's time line: the boot's starts where the launch call's ends.
      const bars = await table.locator(".waterfall-bar").evaluateAll((spans) =>
        spans.map((span) => (span as HTMLElement).style.marginLeft)
      );
      assert.deepEqual(bars, ["0%", "3.75%", "3.8%", "25%", "25.5%", "26.75%", "76.75%", "87.5%"]);
      await browser.screenshot(page, "job-waterfall");
    });

    await t.step("stats: each stage's p50 and p95 per pool, and why jobs waited", async () => {
      await page.goto(`${stack.url}/stats?window=1d&groupBy=pool`);
      const table = page.getByRole("table", { name: "Stage latency per pool" });
      await table.waitFor();
      const rows = await table.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim()))
      );
      // Small pool: the newest job (full stages), the running one (row only), the reaped one
      // (webhook and lease too). Large: the failed job was claimed; the queued one has no gap.
      assert.deepEqual(rows, [
        ["my-app/large", "claimed for launch", "Gantry", "1", "10.0 s", "10.0 s"],
        ["my-app/small", "webhook received", "GitHub", "2", "500 ms", "1.5 s"],
        ["my-app/small", "core leased it", "Gantry", "2", "20 ms", "100 ms"],
        ["my-app/small", "claimed for launch", "Gantry", "3", "9.4 s", "10.0 s"],
        ["my-app/small", "launch call sent", "Gantry", "1", "200 ms", "200 ms"],
        ["my-app/small", "launch call answered", "provider", "1", "500 ms", "500 ms"],
        ["my-app/small", "instance booted", "provider", "1", "20.0 s", "20.0 s"],
        ["my-app/small", "runner online", "runner", "1", "4.3 s", "4.3 s"],
        ["my-app/small", "job in progress", "GitHub", "3", "30.0 s", "30.0 s"],
      ]);
      const reasons = await page.getByTestId("wait-reasons").locator("li").evaluateAll((lis) =>
        lis.map((li) => [...li.querySelectorAll("span")].map((s) => s.textContent?.trim()))
      );
      assert.deepEqual(reasons, [["a concurrency cap", "1 job"], ["a capacity retry", "1 job"]]);
      await browser.screenshot(page, "stats-stages");
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
