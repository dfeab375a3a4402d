/** The audit API's query (filters, window, page) and its answer. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { AuditQuery, AuditResponse } from "./audit.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

Deno.test("an audit query converts numbers from the query string and defaults the page to 50", () => {
  assert.deepEqual(AuditQuery.parse({}), { limit: 50 });
  assert.deepEqual(
    AuditQuery.parse({
      action: " user.login ",
      family: "user",
      outcome: "failed",
      from: "100",
      to: "101",
      limit: "200",
      cursor: "1700000000000.42",
    }),
    {
      action: "user.login",
      family: "user",
      outcome: "failed",
      from: 100,
      to: 101,
      limit: 200,
      cursor: "1700000000000.42",
    },
  );
  const accepted: Record<string, string>[] = [
    { outcome: "ok" },
    { action: "x".repeat(100) },
    { limit: "1" },
    { from: "0" },
    { to: "5" },
    { cursor: "1.2" },
  ];
  for (const query of accepted) {
    assert.deepEqual(issues(AuditQuery, query), [], JSON.stringify(query));
  }
});

Deno.test("an audit query names each bad filter, limit and cursor", () => {
  const cursor = [{ path: "cursor", message: "not an audit cursor" }];
  const cases: [Record<string, string>, Issue[]][] = [
    [{ action: "  " }, [{ path: "action", message: "expected string to have >=1 characters" }]],
    [{ action: "x".repeat(101) }, [{
      path: "action",
      message: "expected string to have <=100 characters",
    }]],
    [{ family: "jobs" }, [{
      path: "family",
      message: 'expected one of "user"|"config"|"job"|"machine"',
    }]],
    [{ outcome: "fine" }, [{ path: "outcome", message: 'expected one of "ok"|"failed"' }]],
    [{ from: "-1" }, [{ path: "from", message: "expected number to be >=0" }]],
    [{ to: "1.5" }, [{ path: "to", message: "expected int, received number" }]],
    [{ limit: "0" }, [{ path: "limit", message: "expected number to be >=1" }]],
    [{ limit: "201" }, [{ path: "limit", message: "expected number to be <=200" }]],
    [{ from: "100", to: "100" }, [{ path: "to", message: "to must be after from" }]],
    [{ from: "100", to: "99" }, [{ path: "to", message: "to must be after from" }]],
    [{ cursor: "a1.2" }, cursor],
    [{ cursor: "1.2a" }, cursor],
    [{ cursor: "1." }, cursor],
    [{ cursor: ".2" }, cursor],
    [{ cursor: "12" }, cursor],
  ];
  for (const [query, expected] of cases) {
    assert.deepEqual(issues(AuditQuery, query), expected, JSON.stringify(query));
  }
  assert.deepEqual(issues(AuditQuery, { from: "100", to: "101", cursor: "12.34" }), []);
});

Deno.test("an audit page parses events of both outcomes, extra fields stripped", () => {
  const event = {
    id: 1,
    at: 1_700_000_000_000,
    actor: "admin@example.com",
    action: "pool.update",
    target: "pool_1",
    outcome: "ok",
    payload: { fields: ["cap"] },
  };
  const failed = { ...event, id: 2, target: null, outcome: "failed", payload: null };
  const page = {
    events: [event, failed],
    nextCursor: "1700000000000.2",
    actions: ["pool.update"],
    total: 2,
    failures: 1,
  };
  assert.deepEqual(
    AuditResponse.parse({ ...page, events: [{ ...event, extra: 1 }, failed] }),
    page,
  );
  assert.deepEqual(issues(AuditResponse, { ...page, events: [{ ...event, outcome: "?" }] }), [
    { path: "events.0.outcome", message: 'expected one of "ok"|"failed"' },
  ]);
  assert.deepEqual(issues(AuditResponse, { ...page, total: -1, failures: 0.5 }), [
    { path: "total", message: "expected number to be >=0" },
    { path: "failures", message: "expected int, received number" },
  ]);
});
