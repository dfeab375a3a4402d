/**
 * The stats, overview month, audit and dead-letter API in workerd against
 * libSQL: who may call what (401 without a session, 403 for a viewer's
 * change), the roll-up answers equal a computation over the job rows for
 * every grouping and for rolling, whole-day and ragged windows, audit
 * filters and paging, and an audited dead-letter requeue.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import * as schema from "../../shared/db/schema.ts";
import { STATS_GROUPS, type StatsResponse } from "../../shared/schema/stats.ts";
import type { AuditResponse } from "../../shared/schema/audit.ts";
import { operatorToken } from "../support/operator.ts";
import {
  assertMeasures,
  coreKeys,
  makeDeadLetter,
  monthStartOf,
  referenceStats,
  seedMonthEdgeJobs,
  seedStatsJobs,
} from "./ops_fixtures.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  login,
  seedJobs,
  SESSION_SECRET,
  startConsoleStack,
} from "./stack.ts";

const DAY = 86_400_000;

const ROUTES: { method: string; path: string; role: "viewer" | "admin" }[] = [
  { method: "GET", path: "/api/v1/stats", role: "viewer" },
  { method: "GET", path: "/api/v1/stats?window=90d&groupBy=label", role: "viewer" },
  { method: "GET", path: "/api/v1/overview/daily", role: "viewer" },
  { method: "GET", path: "/api/v1/overview/spend", role: "viewer" },
  { method: "GET", path: "/api/v1/audit", role: "viewer" },
  { method: "GET", path: "/api/v1/dead-letters", role: "viewer" },
  { method: "POST", path: "/api/v1/dead-letters/1/requeue", role: "admin" },
];

async function get<T>(stack: ConsoleStack, path: string, bearer: string): Promise<T> {
  const response = await fetch(`${stack.url}${path}`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return await response.json() as T;
}

Deno.test("console API: stats, month, audit and dead letters", async (t) => {
  const keys = await coreKeys();
  // The edge's calendar and every seeded job run on the test clock, never today's date.
  const now = testNow();
  const stack = await startConsoleStack({ CORE_PUBLIC_KEYS: keys.jwks, ...fixedClockVars(now) });
  try {
    await seedJobs(stack.db, { fillers: 5, now });
    await seedStatsJobs(stack.db, now);
    await seedMonthEdgeJobs(stack.db, now);
    const admin = await operatorToken(SESSION_SECRET, "admin");
    const viewer = await operatorToken(SESSION_SECRET, "viewer");

    await t.step("every route refuses no session (401) and a viewer's change (403)", async () => {
      for (const route of ROUTES) {
        const anonymous = await fetch(`${stack.url}${route.path}`, { method: route.method });
        assert.equal(anonymous.status, 401, `${route.method} ${route.path}`);
        assert.equal((await anonymous.json()).error.code, "unauthorized");
        const asViewer = await fetch(`${stack.url}${route.path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${viewer}` },
        });
        assert.equal(
          asViewer.status,
          route.role === "admin" ? 403 : 200,
          `${route.method} ${route.path} as viewer`,
        );
        await asViewer.body?.cancel();
      }
    });

    await t.step(
      "stats equal a computation over the job rows, for every window and group",
      async () => {
        const rows = await stack.db.select().from(schema.jobs);
        const windows: { query: string; from: number; to: number }[] = [
          { query: "window=1d", from: now - DAY, to: now },
          { query: "window=7d", from: now - 7 * DAY, to: now },
          { query: "window=90d", from: now - 90 * DAY, to: now },
        ];
        const dayStart = Math.floor(now / DAY) * DAY;
        // Whole days; ragged ends by whole hours and by minutes; inside one day.
        const HOUR = 3600_000;
        const customs = [
          [dayStart - 20 * DAY, dayStart - 5 * DAY],
          [dayStart - 30 * DAY + 5 * HOUR, dayStart - 3 * DAY - 7 * HOUR],
          [
            dayStart - 30 * DAY + 5 * HOUR + 17 * 60_000,
            dayStart - 3 * DAY - 7 * HOUR - 23 * 60_000,
          ],
          [dayStart - 9 * DAY + 2 * HOUR + 60_000, dayStart - 9 * DAY + 20 * HOUR],
        ];
        for (const [from, to] of customs) {
          windows.push({ query: `window=custom&from=${from}&to=${to}`, from, to });
        }
        for (const window of windows) {
          for (const groupBy of STATS_GROUPS) {
            const answer = await get<StatsResponse>(
              stack,
              `/api/v1/stats?${window.query}&groupBy=${groupBy}`,
              viewer,
            );
            const what = `${window.query} by ${groupBy}`;
            // Rolling windows end at the edge's (fixed) clock: exactly N days back from it.
            assert.deepEqual(
              [answer.window.from, answer.window.to],
              [window.from, window.to],
              `bounds ${what}`,
            );
            const expected = referenceStats(rows, window.from, window.to, groupBy);
            assertMeasures(answer.totals, expected.totals, `totals ${what}`);
            assert.equal(answer.groups.length, expected.groups.size, `groups ${what}`);
            for (const group of answer.groups) {
              const reference = expected.groups.get(group.key);
              assert.ok(reference, `${group.key} ${what} is in the reference`);
              assertMeasures(group, reference, `${group.key} ${what}`);
            }
            const topJobs = [...expected.senders.values()].sort((a, b) => b - a).slice(0, 5);
            assert.deepEqual(answer.senders.map((s) => s.jobs), topJobs, `senders ${what}`);
          }
        }
      },
    );

    await t.step("names replace ids, and the cost is a floor when jobs had no quote", async () => {
      const answer = await get<StatsResponse>(
        stack,
        "/api/v1/stats?window=90d&groupBy=pool",
        admin,
      );
      assert.deepEqual(
        answer.groups.map((g) => g.label).sort(),
        ["(none)", "my-app/large", "my-app/small"],
      );
      assert.ok(answer.totals.unquoted > 0, "some finished jobs had no price");
    });

    await t.step("latency percentiles per pool land in the right bucket", async () => {
      const answer = await get<StatsResponse>(stack, "/api/v1/stats?window=90d", admin);
      const rows = (await stack.db.select().from(schema.jobs))
        .filter((j) => j.startedAt !== null && j.poolId === "pool-small");
      const latencies = rows.map((j) => j.startedAt! - j.queuedAt).sort((a, b) => a - b);
      const exactP50 = latencies[Math.ceil(0.5 * latencies.length) - 1];
      const small = answer.latency.find((l) => l.poolKey === "pool-small");
      assert.ok(small, JSON.stringify(answer.latency));
      assert.equal(small.started, latencies.length);
      assert.ok(
        small.p50Ms! >= exactP50 / 1.6 && small.p50Ms! <= exactP50 * 1.6,
        `p50 ${small.p50Ms} vs exact ${exactP50}`,
      );
      assert.ok(small.p95Ms! >= small.p50Ms!);
    });

    await t.step("a bad window is refused with the field named", async () => {
      for (const query of ["window=custom&from=10", "window=2d", "window=custom&from=5&to=4"]) {
        const response = await fetch(`${stack.url}/api/v1/stats?${query}`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        assert.equal(response.status, 400, query);
        await response.body?.cancel();
      }
    });

    await t.step("the month chart and spend card come from the roll-ups", async () => {
      const rows = await stack.db.select().from(schema.jobs);
      const daily = await get<
        { month: { from: number }; days: { day: number; completed: number; failed: number }[] }
      >(
        stack,
        "/api/v1/overview/daily",
        viewer,
      );
      const monthStart = monthStartOf(now);
      const today = Math.floor(now / DAY) * DAY;
      assert.deepEqual(daily.month, { from: monthStart, to: today + DAY });
      assert.equal(daily.days.length, new Date(now).getUTCDate(), "one bar per day so far");
      assert.deepEqual(
        daily.days.map((d) => d.day),
        daily.days.map((_, i) => monthStart + i * DAY),
      );
      const monthRows = rows.filter((j) => j.queuedAt >= monthStart && j.queuedAt <= now);
      assert.ok(
        monthRows.filter((j) => j.jobName === "edge-of-month").length === 2,
        "the jobs at the month's first instant are in it, the one 1 ms before is not",
      );
      assert.ok(daily.days[0].completed >= 2, "the first day holds the edge-of-month jobs");
      assert.equal(
        daily.days.reduce((sum, d) => sum + d.completed, 0),
        monthRows.filter((j) => j.state === "completed").length,
      );
      assert.equal(
        daily.days.reduce((sum, d) => sum + d.failed, 0),
        monthRows.filter((j) => j.state === "failed" || j.state === "reaped").length,
      );
      const spend = await get<{ totalUsd: number; repos: { key: string; costUsd: number }[] }>(
        stack,
        "/api/v1/overview/spend",
        viewer,
      );
      const expected = monthRows.reduce((sum, j) => sum + (j.costUsd ?? 0), 0);
      assert.equal(Math.round(spend.totalUsd * 1e6), Math.round(expected * 1e6));
      const costs = spend.repos.map((r) => r.costUsd);
      assert.deepEqual(costs, [...costs].sort((a, b) => b - a), "most expensive first");
    });

    await t.step("a viewer cannot requeue; an admin can, and both are audited", async () => {
      await makeDeadLetter(stack, keys.privateKeyPem, 4242);
      const listed = await get<{ deadLetters: { eventId: number }[] }>(
        stack,
        "/api/v1/dead-letters",
        viewer,
      );
      assert.equal(listed.deadLetters.length, 1);
      const { eventId } = listed.deadLetters[0];
      const requeue = (bearer: string, id = eventId) =>
        fetch(`${stack.url}/api/v1/dead-letters/${id}/requeue`, {
          method: "POST",
          headers: { authorization: `Bearer ${bearer}` },
        });
      const refused = await requeue(viewer);
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
      const crossSite = await fetch(`${stack.url}/api/v1/dead-letters/${eventId}/requeue`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "sec-fetch-site": "cross-site" },
      });
      assert.equal(crossSite.status, 403, "a cross-site browser request is refused");
      await crossSite.body?.cancel();
      const done = await requeue(admin);
      assert.equal(done.status, 200);
      assert.deepEqual(await done.json(), { status: "requeued", eventId });
      const again = await requeue(admin);
      assert.equal(again.status, 404, "already requeued");
      await again.body?.cancel();
      const audit = await stack.db.select().from(schema.auditEvents)
        .where(eq(schema.auditEvents.action, "dead_letter.requeue"));
      assert.deepEqual(audit.map((a) => [a.outcome, a.target]), [
        ["ok", String(eventId)],
        ["failed", String(eventId)],
      ]);
      assert.deepEqual(
        (await get<{ deadLetters: unknown[] }>(stack, "/api/v1/dead-letters", viewer)).deadLetters,
        [],
      );
    });

    await t.step(
      "the audit log filters by action, outcome and time, and pages newest first",
      async () => {
        assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
        // From two networks: refusals from one network are audited once per window.
        for (const [i, password] of ["wrong one", "wrong two", ADMIN.password].entries()) {
          await (await login(stack.url, { email: ADMIN.email, password }, {
            "cf-connecting-ip": `10.7.0.${i}`,
          })).body?.cancel();
        }
        const all = await get<AuditResponse>(stack, "/api/v1/audit?limit=200", viewer);
        assert.ok(
          all.actions.includes("auth.login") && all.actions.includes("dead_letter.requeue"),
        );
        const ats = all.events.map((e) => e.at);
        assert.deepEqual(ats, [...ats].sort((a, b) => b - a), "newest first");
        const logins = await get<AuditResponse>(
          stack,
          "/api/v1/audit?action=auth.login&limit=2",
          viewer,
        );
        assert.equal(logins.total, 3);
        assert.equal(logins.failures, 2);
        assert.equal(logins.events.length, 2);
        assert.equal(logins.events[0].outcome, "ok", "the last attempt succeeded");
        assert.ok(logins.nextCursor);
        const rest = await get<AuditResponse>(
          stack,
          `/api/v1/audit?action=auth.login&limit=2&cursor=${logins.nextCursor}`,
          viewer,
        );
        assert.deepEqual(rest.events.map((e) => e.outcome), ["failed"]);
        assert.equal(rest.nextCursor, null);
        assert.equal(rest.events[0].payload?.reason, "bad_password");
        const failedOnly = await get<AuditResponse>(stack, "/api/v1/audit?outcome=failed", viewer);
        assert.ok(failedOnly.events.every((e) => e.outcome === "failed"));
        const future = await get<AuditResponse>(
          stack,
          `/api/v1/audit?from=${Date.now() + 60_000}&to=${Date.now() + 120_000}`,
          viewer,
        );
        assert.deepEqual([future.events.length, future.total], [0, 0]);
        const bad = await fetch(`${stack.url}/api/v1/audit?cursor=nope`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        assert.equal(bad.status, 400);
        assert.equal((await bad.json()).error.issues[0].path, "cursor");
        const rows = await stack.db.select().from(schema.auditEvents)
          .where(
            and(
              eq(schema.auditEvents.action, "auth.login"),
              eq(schema.auditEvents.outcome, "failed"),
            ),
          );
        assert.equal(rows.length, 2);
      },
    );
  } finally {
    await stack.close();
  }
});
