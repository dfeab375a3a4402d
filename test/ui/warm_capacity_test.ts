/**
 * Warm capacity against the edge in workerd and libSQL, on a fixed clock:
 * `GET /api/v1/warm-pools` answers each pool's decision per kind (as the
 * core recorded it), what waits now and what idle capacity cost this UTC
 * day (hot: idle hours at the instance's price; stopped: the root volume);
 * then the Pools page shows it in Chromium as a table with a caption and
 * row and column headers.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import * as schema from "../../shared/db/schema.ts";
import type { WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";
import { launchBrowser } from "../support/browser.ts";
import { operatorToken } from "../support/operator.ts";
import { fixedClockVars } from "../support/test_clock.ts";
import { ADMIN, bootstrap, seedJobs, SESSION_SECRET, startConsoleStack } from "./stack.ts";

const NOW = Date.parse("2026-05-20T10:30:00Z");
const DAY_START = Date.parse("2026-05-20T00:00:00Z");
const HOUR = 3600_000;

const HOT_DECISION = {
  target: 1,
  max: 1,
  reason: "off-hours",
  idleUsdPerDay: null,
  decidedAt: NOW - 60_000,
  changedAt: NOW - 2 * HOUR,
} as const;
const STOPPED_DECISION = {
  target: 2,
  max: 2,
  reason: "budget",
  idleUsdPerDay: 0.192,
  decidedAt: NOW - 60_000,
  changedAt: NOW - 5 * HOUR,
} as const;

const warmInstance = (id: string, over: Partial<typeof schema.instances.$inferInsert>) => ({
  id,
  poolId: "pool-small",
  instanceType: "t3.small",
  state: "running",
  priceUsdPerHour: 0.0208,
  launchedAt: NOW - HOUR,
  ...over,
});

Deno.test("warm capacity: the API's inventory and cost today, and the Pools page's table", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    await seedJobs(stack.db, { fillers: 0, now: NOW });
    // 73 GiB of gp3 costs 0.192 a day stopped.
    await stack.db.update(schema.pools).set({ minIdle: 2, stoppedMin: 2, rootVolumeGb: 73 })
      .where(eq(schema.pools.id, "pool-small"));
    await stack.db.insert(schema.warmDecisions).values([
      { poolId: "pool-small", kind: "hot", ...HOT_DECISION },
      { poolId: "pool-small", kind: "stopped", ...STOPPED_DECISION },
    ]);
    const hot = { warmRepoFullName: "octocat/hello-world" };
    await stack.db.insert(schema.instances).values([
      // Idle 2 h so far: 0.0416.
      warmInstance("i-0warm00000000001", { ...hot, launchedAt: NOW - 2 * HOUR }),
      // Launched yesterday, retired at 08:00: 8 h of today, 0.1664.
      warmInstance("i-0warm00000000002", {
        ...hot,
        launchedAt: DAY_START - 90 * 60_000,
        terminatedAt: DAY_START + 8 * HOUR,
        state: "terminated",
      }),
      // Ended yesterday: nothing today.
      warmInstance("i-0warm00000000003", {
        ...hot,
        launchedAt: DAY_START - 5 * HOUR,
        terminatedAt: DAY_START - HOUR,
        state: "terminated",
      }),
      // Stopped since yesterday: 10.5 h of volume today, 0.084.
      warmInstance("i-0stop00000000001", {
        standby: "stopped",
        state: "stopped",
        launchedAt: DAY_START - 5 * HOUR,
      }),
      // Preparing for 30 min: 0.004.
      warmInstance("i-0stop00000000002", { standby: "preparing", launchedAt: NOW - 30 * 60_000 }),
    ]);

    await t.step("GET /api/v1/warm-pools", async () => {
      const response = await fetch(`${stack.url}/api/v1/warm-pools`, {
        headers: { authorization: `Bearer ${await operatorToken(SESSION_SECRET, "viewer")}` },
      });
      assert.equal(response.status, 200, await response.clone().text());
      const body = await response.json() as WarmPoolsResponse;
      assert.deepEqual([body.generatedAt, body.day], [NOW, { from: DAY_START, to: NOW }]);
      const rounded = body.pools.map((pool) => ({
        ...pool,
        kinds: pool.kinds.map((k) => ({ ...k, idleUsdToday: Number(k.idleUsdToday.toFixed(6)) })),
      }));
      assert.deepEqual(rounded, [
        {
          poolId: "pool-large",
          project: "my-app",
          pool: "large",
          kinds: [
            { kind: "hot", decision: null, current: 0, idleUsdToday: 0, unquoted: 0 },
            { kind: "stopped", decision: null, current: 0, idleUsdToday: 0, unquoted: 0 },
          ],
        },
        {
          poolId: "pool-small",
          project: "my-app",
          pool: "small",
          kinds: [
            {
              kind: "hot",
              decision: HOT_DECISION,
              current: 1,
              idleUsdToday: 0.208,
              unquoted: 0,
            },
            {
              kind: "stopped",
              decision: STOPPED_DECISION,
              current: 2,
              idleUsdToday: 0.088,
              unquoted: 0,
            },
          ],
        },
      ]);
      const anonymous = await fetch(`${stack.url}/api/v1/warm-pools`);
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
    });

    await t.step("the Pools page's warm capacity table", async () => {
      assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
      const page = await browser.newPage();
      await page.clock.setFixedTime(NOW);
      await page.goto(`${stack.url}/pools`);
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      const table = page.getByRole("table", { name: /Idle capacity each pool keeps/ });
      await table.locator("tbody tr[data-warm]").first().waitFor();
      const headers = await table.locator("thead th[scope=col]").allTextContents();
      assert.deepEqual(headers, [
        "Project / pool",
        "Kind",
        "Waiting",
        "Target",
        "Max",
        "Why",
        "Idle cost today",
      ]);
      const rows = await table.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll("th[scope=row], td")].map((cell) =>
            cell.textContent?.replace(/\s+/g, " ").trim()
          )
        )
      );
      assert.deepEqual(rows, [
        ["my-app / small", "hot (running, idle)", "1", "1", "1", "off hours", "$0.21"],
        ["my-app / small", "stopped", "2", "2", "2", "capped by its idle budget", "$0.09"],
      ]);
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
