/**
 * The control API and the core's control call: the request bodies and
 * queries with their defaults and limits, the metrics a core sends, and the
 * answers, which parse as sent.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import {
  ActionResponse,
  CONTROL_ACTION_KINDS,
  ControlAnswer,
  ControlCall,
  ControlOutcome,
  ControlStateView,
  EmptyRequest,
  PAUSE_SCOPE,
  RunnersQuery,
  RunnersResponse,
  TerminateRequest,
} from "./control.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const action = {
  id: 1,
  kind: "terminate",
  target: "i-0123456789abcdef0",
  isForced: false,
  requestedBy: "admin@example.com",
  requestedAt: 5,
  state: "pending",
  claimedBy: null,
  doneAt: null,
  result: null,
};

Deno.test("terminate and the other control bodies take nothing but force", () => {
  assert.deepEqual(TerminateRequest.parse({}), { force: false });
  assert.deepEqual(TerminateRequest.parse({ force: true }), { force: true });
  assert.deepEqual(issues(TerminateRequest, { force: "yes", reason: "x" }), [
    { path: "force", message: "expected boolean, received string" },
    { path: "reason", message: "unknown key" },
  ]);
  assert.deepEqual(EmptyRequest.parse({}), {});
  assert.deepEqual(issues(EmptyRequest, { force: true }), [{
    path: "force",
    message: "unknown key",
  }]);
  assert.equal(PAUSE_SCOPE, "all");
});

Deno.test("the runners query lists live machines, 200 by default, 1 to 1000", () => {
  assert.deepEqual(RunnersQuery.parse({}), { state: "live", limit: 200 });
  assert.deepEqual(RunnersQuery.parse({ state: "all", limit: "1" }), { state: "all", limit: 1 });
  assert.deepEqual(RunnersQuery.parse({ limit: "1000" }), { state: "live", limit: 1000 });
  const cases: [Record<string, string>, Issue[]][] = [
    [{ limit: "0" }, [{ path: "limit", message: "expected number to be >=1" }]],
    [{ limit: "1001" }, [{ path: "limit", message: "expected number to be <=1000" }]],
    [{ state: "dead" }, [{ path: "state", message: 'expected one of "live"|"all"' }]],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(issues(RunnersQuery, query), expected, JSON.stringify(query));
  }
});

Deno.test("an action, its outcome and the machines list parse as sent", () => {
  assert.deepEqual(CONTROL_ACTION_KINDS, ["terminate", "cancel", "retry"]);
  const done = { ...action, id: 2, kind: "cancel", state: "done", claimedBy: "core-1", doneAt: 9 };
  const failed = { ...action, id: 3, kind: "retry", state: "failed", result: "gone" };
  for (const view of [action, done, failed]) {
    assert.deepEqual(ActionResponse.parse({ action: { ...view, x: 1 } }), { action: view });
  }
  for (const did of ["queued", "pending", "held", "released", "nothing"]) {
    const outcome = { did, message: "ok", action: did === "queued" ? action : null };
    assert.deepEqual(ControlOutcome.parse({ ...outcome, x: 1 }), outcome);
  }
  assert.deepEqual(issues(ControlOutcome, { did: "done", message: "", action: null }), [
    { path: "did", message: 'expected one of "queued"|"pending"|"held"|"released"|"nothing"' },
  ]);
  assert.deepEqual(issues(ActionResponse, { action: { ...action, kind: "reboot", state: "x" } }), [
    { path: "action.kind", message: 'expected one of "terminate"|"cancel"|"retry"' },
    { path: "action.state", message: 'expected one of "pending"|"done"|"failed"' },
  ]);
  const machine = {
    id: "i-0123456789abcdef0",
    provider: "ec2",
    pool: "my-app/large",
    poolId: "pool_1",
    state: "running",
    jobId: "job_1",
    jobState: "running",
    runnerName: "gantry-1",
    instanceType: "m7i.large",
    isSpot: true,
    launchedAt: 0,
    terminatedAt: null,
    ageSeconds: 0,
    priceUsdPerHour: 0.04,
    costUsd: null,
  };
  assert.deepEqual(RunnersResponse.parse({ machines: [{ ...machine, x: 1 }] }), {
    machines: [machine],
  });
  assert.deepEqual(issues(RunnersResponse, { machines: [{ ...machine, ageSeconds: -1 }] }), [
    { path: "machines.0.ageSeconds", message: "expected number to be >=0" },
  ]);
});

Deno.test("the control state lists the holds and the cores as sent", () => {
  const state = {
    paused: { heldBy: "admin@example.com", heldAt: 1 },
    drained: [{ poolId: "pool_1", pool: null, heldBy: "admin@example.com", heldAt: 2 }],
    cores: [{
      coreId: "core-1",
      version: null,
      seenAt: 3,
      leasedAt: 2,
      isDown: false,
      downForSeconds: null,
    }],
  };
  assert.deepEqual(
    ControlStateView.parse({
      ...state,
      paused: { ...state.paused, x: 1 },
      drained: [{ ...state.drained[0], x: 1 }],
      cores: [{ ...state.cores[0], x: 1 }],
    }),
    state,
  );
  assert.deepEqual(ControlStateView.parse({ ...state, paused: null }).paused, null);
});

const family = {
  name: "gantry_jobs_total",
  help: "Jobs handled",
  type: "counter",
  values: [{ value: 3, labels: { pool: "large", shard: 1 } }],
};

Deno.test("a control call defaults its results and keeps each metric as sent", () => {
  const call = { version: "1.2.0", leaseAgeMs: null, metrics: [family] };
  assert.deepEqual(ControlCall.parse(call), { ...call, results: [] });
  assert.deepEqual(
    ControlCall.parse({
      ...call,
      leaseAgeMs: 0,
      metrics: [{ ...family, aggregator: "sum", values: [{ value: 1, metricName: "x_sum" }] }],
      results: [{ id: 1, outcome: "failed", result: "gone", x: 1 }],
    }),
    {
      version: "1.2.0",
      leaseAgeMs: 0,
      metrics: [{
        ...family,
        aggregator: "sum",
        values: [{ value: 1, labels: {}, metricName: "x_sum" }],
      }],
      results: [{ id: 1, outcome: "failed", result: "gone" }],
    },
  );
  for (const type of ["counter", "gauge", "histogram", "summary"]) {
    assert.deepEqual(issues(ControlCall, { ...call, metrics: [{ ...family, type }] }), [], type);
  }
  for (const aggregator of ["sum", "first", "min", "max", "average", "omit"]) {
    const metrics = [{ ...family, aggregator }];
    assert.deepEqual(issues(ControlCall, { ...call, metrics }), [], aggregator);
  }
  assert.deepEqual(
    issues(ControlCall, { ...call, results: [{ id: 1, outcome: "done", result: "" }] }),
    [],
  );
});

Deno.test("a control call names each metric and result over its limit", () => {
  const call = { version: "1.2.0", leaseAgeMs: 5, metrics: [family] };
  const values = (n: number) => Array.from({ length: n }, () => ({ value: 0 }));
  const results = (n: number) =>
    Array.from({ length: n }, (_, id) => ({ id, outcome: "done", result: "" }));
  const name = {
    path: "metrics.0.name",
    message: "must match pattern /^[a-zA-Z_:][a-zA-Z0-9_:]*$/",
  };
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ version: "v".repeat(64) }, []],
    [{ version: "v".repeat(65) }, [{
      path: "version",
      message: "expected string to have <=64 characters",
    }]],
    [{ leaseAgeMs: -1 }, [{ path: "leaseAgeMs", message: "expected number to be >=0" }]],
    [{ metrics: Array.from({ length: 200 }, () => family) }, []],
    [{ metrics: Array.from({ length: 201 }, () => family) }, [{
      path: "metrics",
      message: "expected array to have <=200 items",
    }]],
    [{ results: results(100) }, []],
    [{ results: results(101) }, [{
      path: "results",
      message: "expected array to have <=100 items",
    }]],
    [{ results: [{ id: 1, outcome: "done", result: "r".repeat(1000) }] }, []],
    [{ results: [{ id: 1, outcome: "ok", result: "r".repeat(1001) }] }, [
      { path: "results.0.outcome", message: 'expected one of "done"|"failed"' },
      { path: "results.0.result", message: "expected string to have <=1000 characters" },
    ]],
    [{ metrics: [{ ...family, name: "Az_:az09" }] }, []],
    [{ metrics: [{ ...family, name: `_${"a".repeat(199)}` }] }, []],
    [{ metrics: [{ ...family, name: `_${"a".repeat(200)}` }] }, [{
      path: "metrics.0.name",
      message: "expected string to have <=200 characters",
    }]],
    [{ metrics: [{ ...family, name: "9lives" }] }, [name]],
    [{ metrics: [{ ...family, name: "a-b" }] }, [name]],
    [{ metrics: [{ ...family, name: "ab-" }] }, [name]],
    [{ metrics: [{ ...family, name: "" }] }, [name]],
    [{ metrics: [{ ...family, help: "h".repeat(1000) }] }, []],
    [{ metrics: [{ ...family, help: "h".repeat(1001) }] }, [{
      path: "metrics.0.help",
      message: "expected string to have <=1000 characters",
    }]],
    [{ metrics: [{ ...family, type: "untyped", aggregator: "median" }] }, [
      {
        path: "metrics.0.type",
        message: 'expected one of "counter"|"gauge"|"histogram"|"summary"',
      },
      {
        path: "metrics.0.aggregator",
        message: 'expected one of "sum"|"first"|"min"|"max"|"average"|"omit"',
      },
    ]],
    [{ metrics: [{ ...family, values: values(10_000) }] }, []],
    [{ metrics: [{ ...family, values: values(10_001) }] }, [{
      path: "metrics.0.values",
      message: "expected array to have <=10000 items",
    }]],
    [{ metrics: [{ ...family, values: [{ value: 1, metricName: "m".repeat(200) }] }] }, []],
    [{ metrics: [{ ...family, values: [{ value: 1, metricName: "m".repeat(201) }] }] }, [{
      path: "metrics.0.values.0.metricName",
      message: "expected string to have <=200 characters",
    }]],
    [{ metrics: [{ ...family, values: [{ value: 1, labels: { a: true } }] }] }, [{
      path: "metrics.0.values.0.labels.a",
      message: "Invalid input",
    }]],
  ];
  for (const [change, expected] of cases) {
    assert.deepEqual(issues(ControlCall, { ...call, ...change }), expected, Object.keys(change)[0]);
  }
});

Deno.test("the control answer hands over the holds and the actions as sent", () => {
  const handed = {
    id: 1,
    kind: "retry",
    target: "job_1",
    isForced: true,
    requestedBy: "admin@example.com",
  };
  const answer = { holds: { isPaused: true, drainedPools: ["pool_1"] }, actions: [handed] };
  assert.deepEqual(
    ControlAnswer.parse({
      ...answer,
      x: 1,
      holds: { ...answer.holds, x: 1 },
      actions: [{ ...handed, state: "pending" }],
    }),
    answer,
  );
  assert.deepEqual(issues(ControlAnswer, { ...answer, actions: [{ ...handed, kind: "stop" }] }), [
    { path: "actions.0.kind", message: 'expected one of "terminate"|"cancel"|"retry"' },
  ]);
});
