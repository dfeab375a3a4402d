/** The stats API: the window presets, a custom window's bounds, and the answers. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";
import {
  DailyOutcomesResponse,
  SpendResponse,
  STATS_GROUPS,
  STATS_WINDOWS,
  StatsQuery,
  StatsResponse,
} from "./stats.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const DAY = 86_400_000;

Deno.test("a stats query defaults to 7 days by project; each preset and grouping parses", () => {
  assert.deepEqual(StatsQuery.parse({}), { window: "7d", groupBy: "project" });
  assert.deepEqual(STATS_WINDOWS, ["1d", "7d", "30d", "90d", "custom"]);
  assert.deepEqual(STATS_GROUPS, ["project", "pool", "repo", "label"]);
  for (const window of ["1d", "7d", "30d", "90d"]) {
    assert.deepEqual(StatsQuery.parse({ window }), { window, groupBy: "project" });
  }
  for (const groupBy of STATS_GROUPS) {
    assert.deepEqual(StatsQuery.parse({ groupBy }), { window: "7d", groupBy });
  }
  // A preset ignores from and to, even reversed.
  assert.deepEqual(StatsQuery.parse({ window: "1d", from: "10", to: "5" }), {
    window: "1d",
    from: 10,
    to: 5,
    groupBy: "project",
  });
});

Deno.test("a custom window needs from and to, to after from, at most 366 days apart", () => {
  const custom = (from?: number, to?: number) => ({
    window: "custom",
    ...(from === undefined ? {} : { from: String(from) }),
    ...(to === undefined ? {} : { to: String(to) }),
  });
  const after = [{ path: "to", message: "to must be after from" }];
  const span = [{ path: "to", message: "a window spans at most 366 days" }];
  const cases: [Record<string, string>, Issue[]][] = [
    [custom(), [
      { path: "from", message: "a custom window needs from" },
      { path: "to", message: "a custom window needs to" },
    ]],
    [custom(0), [{ path: "to", message: "a custom window needs to" }]],
    [custom(undefined, 5), [{ path: "from", message: "a custom window needs from" }]],
    [custom(5, 4), after],
    [custom(5, 5), after],
    [custom(5, 6), []],
    [custom(DAY, DAY + 366 * DAY), []],
    [custom(DAY, DAY + 366 * DAY + 1), span],
    [{ window: "365d" }, [{
      path: "window",
      message: 'expected one of "1d"|"7d"|"30d"|"90d"|"custom"',
    }]],
    [{ groupBy: "sender" }, [{
      path: "groupBy",
      message: 'expected one of "project"|"pool"|"repo"|"label"',
    }]],
    [{ from: "-1" }, [{ path: "from", message: "expected number to be >=0" }]],
    [{ to: "1.5" }, [{ path: "to", message: "expected int, received number" }]],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(issues(StatsQuery, query), expected, JSON.stringify(query));
  }
  assert.deepEqual(StatsQuery.parse(custom(5, 6)), {
    window: "custom",
    from: 5,
    to: 6,
    groupBy: "project",
  });
});

const measures = { jobs: 3, completed: 2, failed: 1, runtimeMs: 0, costUsd: 0.5, unquoted: 0 };

Deno.test("the stats answer parses as sent, extra fields stripped", () => {
  const answer = {
    window: { from: 0, to: DAY },
    groupBy: "pool",
    totals: measures,
    groups: [{ ...measures, key: "pool_1", label: "my-app/large" }],
    senders: [{ sender: "octocat", jobs: 3, costUsd: 0.5 }],
    latency: [
      { poolKey: "pool_1", pool: "my-app/large", started: 2, p50Ms: 1000, p95Ms: 2500 },
      { poolKey: "pool_2", pool: "my-app/small", started: 0, p50Ms: null, p95Ms: null },
    ],
  };
  const extra = {
    ...answer,
    x: 1,
    window: { ...answer.window, x: 1 },
    totals: { ...measures, x: 1 },
    groups: [{ ...answer.groups[0], x: 1 }],
    senders: [{ ...answer.senders[0], x: 1 }],
    latency: [{ ...answer.latency[0], x: 1 }, answer.latency[1]],
  };
  assert.deepEqual(StatsResponse.parse(extra), answer);
  assert.deepEqual(issues(StatsResponse, { ...answer, totals: { ...measures, costUsd: -0.01 } }), [
    { path: "totals.costUsd", message: "expected number to be >=0" },
  ]);
  assert.deepEqual(issues(StatsResponse, { ...answer, groupBy: "custom" }), [
    { path: "groupBy", message: 'expected one of "project"|"pool"|"repo"|"label"' },
  ]);
});

Deno.test("the month chart and the spend card parse as sent", () => {
  const month = { from: 0, to: 31 * DAY };
  const daily = { month, days: [{ day: 0, completed: 4, failed: 1 }] };
  assert.deepEqual(
    DailyOutcomesResponse.parse({
      ...daily,
      month: { ...month, x: 1 },
      days: [{ ...daily.days[0], x: 1 }],
    }),
    daily,
  );
  const row = { key: "prj_1", label: "my-app", costUsd: 1.25, jobs: 10 };
  const spend = { month, totalUsd: 1.25, unquoted: 2, projects: [row], repos: [] };
  assert.deepEqual(SpendResponse.parse({ ...spend, projects: [{ ...row, x: 1 }], x: 1 }), spend);
  assert.deepEqual(issues(SpendResponse, { ...spend, repos: [{ ...row, jobs: -1 }] }), [
    { path: "repos.0.jobs", message: "expected number to be >=0" },
  ]);
});
