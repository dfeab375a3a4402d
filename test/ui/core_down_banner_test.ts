/**
 * The Overview names a core that has not leased for more than 60 s, with how
 * long, in Chromium against the edge in workerd (its clock pinned) and
 * libSQL holding the cores' last control calls. A core silent exactly 60 s
 * is still up, 61 s is down; one that never reported a lease is judged by
 * its last call.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../support/browser.ts";
import { fixedClockVars } from "../support/test_clock.ts";
import { ADMIN, bootstrap, startConsoleStack } from "./stack.ts";

const NOW = Date.parse("2026-05-20T10:30:00Z");

Deno.test("the Overview shows each down core, with how long, and not the live ones", async () => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  const browser = await launchBrowser();
  try {
    // [core, last control call, last lease]: 61 s and 2 h 5 min silent are down, 60 s is not.
    const beats: [string, number, number | null][] = [
      ["core-at-limit", NOW - 1_000, NOW - 60_000],
      ["core-just-over", NOW - 1_000, NOW - 61_000],
      ["core-long-gone", NOW - 7_500_000, null],
    ];
    for (const [coreId, seenAt, leasedAt] of beats) {
      await stack.client.execute({
        sql:
          "INSERT INTO core_heartbeats (core_id, version, seen_at, leased_at) VALUES (?, ?, ?, ?)",
        args: [coreId, "0.1.0", seenAt, leasedAt],
      });
    }
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const page = await browser.newPage();
    await page.clock.setFixedTime(NOW);
    await page.goto(`${stack.url}/`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.locator("[data-tile]").first().waitFor();

    const banners = page.locator("[data-core-down]");
    assert.deepEqual(
      await banners.evaluateAll((nodes) =>
        nodes.map((node) => [node.getAttribute("data-core-down"), node.textContent])
      ),
      [
        ["core-just-over", "Core core-just-over is down: no lease for 1m 01s"],
        ["core-long-gone", "Core core-long-gone is down: no lease for 2h 05m"],
      ],
    );
    assert.equal(await banners.first().getAttribute("role"), "alert");
    await browser.screenshot(page, "overview-core-down");
  } finally {
    await browser.close();
    await stack.close();
  }
});
