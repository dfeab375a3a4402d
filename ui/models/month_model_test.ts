import assert from "node:assert/strict";
import type { OpsApi } from "../api/ops_client.ts";
import { createMonthModel } from "./month_model.ts";

Deno.test("the month chart and the spend card refresh on their own intervals", async () => {
  const calls = { daily: 0, spend: 0 };
  const ops = {
    dailyOutcomes: () => {
      calls.daily++;
      return Promise.resolve({ month: { from: 0, to: 1 }, days: [] });
    },
    spend: () => {
      calls.spend++;
      return Promise.resolve({
        month: { from: 0, to: 1 },
        totalUsd: 0.0042,
        unquoted: 0,
        projects: [],
        repos: [],
      });
    },
  } as unknown as OpsApi;
  const model = createMonthModel(ops, { dailyIntervalMs: 20, spendIntervalMs: 200 });
  model.start();
  await new Promise((resolve) => setTimeout(resolve, 110));
  model.stop();
  const seen = { ...calls };
  assert.ok(seen.daily >= 4, `daily refreshed ${seen.daily} times`);
  assert.equal(seen.spend, 1, "spend only at start within its interval");
  assert.equal(model.spend.value?.totalUsd, 0.0042);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(calls, seen, "stopped");
});

Deno.test("a failed refresh shows its error and keeps the last answer", async () => {
  let fail = false;
  const ops = {
    dailyOutcomes: () =>
      fail
        ? Promise.reject(new Error("cannot reach the Gantry edge"))
        : Promise.resolve({ month: { from: 0, to: 1 }, days: [] }),
  } as unknown as OpsApi;
  const model = createMonthModel(ops);
  await model.refreshDaily();
  fail = true;
  await model.refreshDaily();
  assert.equal(model.error.value, "cannot reach the Gantry edge");
  assert.deepEqual(model.daily.value?.days, []);
});
