import assert from "node:assert/strict";
import type { OpsApi, StatsRequest } from "../api/ops_client.ts";
import { createStatsModel, statsRequestOf, statsSearchOf, statsViewOf } from "./stats_model.ts";

Deno.test("a stats URL round-trips through its view; junk falls back to 7 days by project", () => {
  const view = statsViewOf(
    new URLSearchParams("window=custom&from=2026-11-01&to=2026-11-15&groupBy=label"),
  );
  assert.deepEqual(view, {
    window: "custom",
    groupBy: "label",
    fromDate: "2026-11-01",
    toDate: "2026-11-15",
  });
  assert.deepEqual(statsViewOf(new URLSearchParams(statsSearchOf(view).slice(1))), view);
  assert.deepEqual(statsViewOf(new URLSearchParams("window=2d&groupBy=color")), {
    window: "7d",
    groupBy: "project",
  });
  assert.deepEqual(statsViewOf(new URLSearchParams("window=custom&from=nope&to=2026-11-15")), {
    window: "7d",
    groupBy: "project",
  }, "a custom window needs both dates");
});

Deno.test("a custom view asks for whole UTC days, the last one included", () => {
  assert.deepEqual(
    statsRequestOf({
      window: "custom",
      groupBy: "pool",
      fromDate: "2026-11-01",
      toDate: "2026-11-15",
    }),
    {
      window: "custom",
      groupBy: "pool",
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 10, 16),
    },
  );
  assert.deepEqual(statsRequestOf({ window: "30d", groupBy: "repo" }), {
    window: "30d",
    groupBy: "repo",
  });
});

Deno.test("a slower answer to an older view never replaces a newer one", async () => {
  const resolvers: ((value: unknown) => void)[] = [];
  const requests: StatsRequest[] = [];
  const ops = {
    stats: (request: StatsRequest) => {
      requests.push(request);
      return new Promise((resolve) => resolvers.push(resolve));
    },
    stageStats: (request: StatsRequest) => Promise.resolve({ stagesOf: request.window }),
  } as unknown as OpsApi;
  const model = createStatsModel(ops);
  const first = model.load({ window: "1d", groupBy: "project" });
  const second = model.load({ window: "90d", groupBy: "project" });
  resolvers[1]({ marker: "new" });
  await second;
  resolvers[0]({ marker: "old" });
  await first;
  assert.deepEqual(model.stats.value, { marker: "new" });
  assert.deepEqual(model.stages.value, { stagesOf: "90d" });
  assert.deepEqual(requests.map((r) => r.window), ["1d", "90d"]);
});
