import assert from "node:assert/strict";
import type { OverviewResponse } from "../../shared/schema/console.ts";
import { fakeApi } from "../api/fake_client.ts";
import { createOverviewModel, tilesOf } from "./overview_model.ts";

const OVERVIEW: OverviewResponse = {
  generatedAt: 2_000,
  window: { from: 0, to: 2_000 },
  projects: 3,
  repos: 4,
  active: { queued: 2, claimed: 1, launching: 1, starting: 3, running: 5 },
  inWindow: { completed: 40, failed: 2, reaped: 1, cancelled: 7 },
  spendUsd: 0.0042,
  queue: { ready: 1, leased: 2, delayed: 0, dead: 1 },
  cores: [],
};

Deno.test("tiles add up the states behind each one", () => {
  const tiles = Object.fromEntries(tilesOf(OVERVIEW, 24).map((tile) => [tile.key, tile]));
  assert.equal(tiles.projects.value, "3");
  assert.equal(tiles.repos.value, "4");
  assert.equal(tiles.waiting.value, "7", "queued + claimed + launching + starting");
  assert.equal(tiles.running.value, "5");
  assert.equal(tiles.completed.value, "40");
  assert.equal(tiles.failed.value, "3", "failed + reaped, not cancelled");
  assert.equal(tiles.spend.value, "$0.0042", "sub-cent spend keeps four decimals");
  assert.equal(tiles.completed.hint, "last 24 h");
  assert.equal(tiles.queue.value, "3");
  assert.equal(tiles.queue.tone, "bad", "a dead letter colours the queue tile");
});

Deno.test("missing states count as zero", () => {
  const tiles = tilesOf({ ...OVERVIEW, active: {}, inWindow: {} }, 1);
  assert.deepEqual(
    tiles.filter((t) => ["waiting", "running", "completed", "failed"].includes(t.key)).map((t) =>
      t.value
    ),
    ["0", "0", "0", "0"],
  );
});

Deno.test("the overview refreshes on its interval until stopped, and keeps data across a failure", async () => {
  let calls = 0;
  const api = fakeApi({
    overview: () => {
      calls++;
      return calls === 2
        ? Promise.reject(new Error("edge down"))
        : Promise.resolve({ ...OVERVIEW, projects: calls });
    },
  });
  const model = createOverviewModel(api, { intervalMs: 20 });
  model.start();
  model.start();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(model.error.value, "edge down");
  assert.equal(model.overview.value?.projects, 1, "last good data stays");
  await new Promise((resolve) => setTimeout(resolve, 25));
  model.stop();
  const stoppedAt = calls;
  assert.ok(stoppedAt >= 3, `refreshed ${stoppedAt} times`);
  assert.equal(model.error.value, null);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(calls, stoppedAt, "no refresh after stop");
  assert.deepEqual(api.calls[0], ["overview", [24]]);
});
