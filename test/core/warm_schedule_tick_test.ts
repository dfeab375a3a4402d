/**
 * Warm schedules and idle budgets through the real ticks, on an injected
 * clock, against libSQL, the EC2 emulator (its Pricing API quotes t3.small at
 * $0.0208/h, so a hot runner idles at $0.4992 a day) and the GitHub fake:
 * inside the window a pool holds its min; off hours it drains to
 * off_hours_min (the surplus removed from GitHub and terminated, audited);
 * the next morning it fills again; a tight budget caps it; each decision and
 * its reason is in `warm_decisions` for the console.
 */
import assert from "node:assert/strict";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { stoppedPoolOnce } from "../../core/scheduler/stopped_pool.ts";
import { warmPoolOnce } from "../../core/scheduler/warm_pool.ts";
import { auditEvents, instances, pools, warmDecisions } from "../../shared/db/schema.ts";
import { type CoreFixture, startCoreFixture } from "./fixture.ts";

const HOUR = 3600_000;
const BERLIN_WORK = {
  time_zone: "Europe/Berlin",
  windows: ["mon-fri 08:00-18:00"],
  off_hours_min: 1,
};
/** Monday 5 January 2026, 09:00 CET. */
const MONDAY_0900 = Date.parse("2026-01-05T08:00:00Z");
/** The same day, 18:30 CET: off hours. */
const MONDAY_1830 = Date.parse("2026-01-05T17:30:00Z");
/** Tuesday, 08:00 CET: the window opens again. */
const TUESDAY_0800 = Date.parse("2026-01-06T07:00:00Z");

function ticks(stack: CoreFixture) {
  let clock = MONDAY_0900;
  const common = {
    store: stack.store,
    provider: stack.provider,
    vault: stack.vault,
    log: stack.log,
    now: () => clock,
    // Long enough that no runner expires and no first boot times out over a night.
    runners: { edgeUrl: "http://127.0.0.1:1", bootTimeoutSeconds: 48 * 3600 },
  };
  return {
    hot: () => warmPoolOnce({ ...common, github: stack.app, idleTimeoutMs: 48 * HOUR }),
    stopped: () => stoppedPoolOnce({ ...common, maxAgeMs: 48 * HOUR }),
    setClock: (at: number) => (clock = at),
  };
}

const liveHot = async (stack: CoreFixture) =>
  (await stack.db.select().from(instances).where(
    and(isNotNull(instances.warmRepoFullName), isNull(instances.terminatedAt)),
  )).map((row) => row.id).sort();

const liveStopped = async (stack: CoreFixture) =>
  (await stack.db.select().from(instances).where(
    and(isNotNull(instances.standby), isNull(instances.terminatedAt)),
  )).map((row) => row.id).sort();

async function decision(stack: CoreFixture, kind: "hot" | "stopped") {
  const [row] = await stack.db.select().from(warmDecisions).where(eq(warmDecisions.kind, kind));
  return row && {
    target: row.target,
    max: row.max,
    reason: row.reason,
    idleUsdPerDay: row.idleUsdPerDay === null ? null : Number(row.idleUsdPerDay.toFixed(6)),
    decidedAt: row.decidedAt,
  };
}

async function terminationAudits(stack: CoreFixture, actor: string) {
  return (await stack.db.select().from(auditEvents).where(
    and(eq(auditEvents.actor, actor), eq(auditEvents.action, "machine.terminate")),
  )).map((row) => (row.payload as { reason: string }).reason);
}

Deno.test("hot: the window holds min_idle, off hours drain to off_hours_min, the morning refills, a budget caps", async () => {
  const stack = await startCoreFixture();
  try {
    await stack.db.update(pools).set({ minIdle: 2, idleSchedule: BERLIN_WORK });
    const { hot, setClock } = ticks(stack);

    const morning = await hot();
    assert.equal(morning.launched.length, 2);
    assert.deepEqual(await liveHot(stack), [...morning.launched].sort());
    assert.deepEqual(await decision(stack, "hot"), {
      target: 2,
      max: 2,
      reason: "in-window",
      idleUsdPerDay: null,
      decidedAt: MONDAY_0900,
    });

    setClock(MONDAY_1830);
    const evening = await hot();
    assert.deepEqual([evening.launched, evening.expired, evening.surplus.length], [[], [], 1]);
    assert.equal((await liveHot(stack)).length, 1);
    assert.deepEqual(await terminationAudits(stack, "warm-pool"), ["over-max"]);
    assert.equal(
      stack.github.runners().filter((r) => r.runner.name.startsWith("gantry-warm-")).length,
      1,
      "the surplus runner was removed from GitHub",
    );
    assert.deepEqual(await decision(stack, "hot"), {
      target: 1,
      max: 1,
      reason: "off-hours",
      idleUsdPerDay: null,
      decidedAt: MONDAY_1830,
    });
    assert.deepEqual(await hot(), { launched: [], expired: [], surplus: [] }, "steady off hours");

    setClock(TUESDAY_0800);
    assert.equal((await hot()).launched.length, 1);
    assert.equal((await liveHot(stack)).length, 2);

    // A budget for two instance-days less a cent keeps one; the other is drained.
    await stack.db.update(pools).set({ idleBudgetUsdPerDay: 0.9884 });
    const capped = await hot();
    assert.deepEqual([capped.launched, capped.surplus.length], [[], 1]);
    assert.equal((await liveHot(stack)).length, 1);
    assert.deepEqual(await decision(stack, "hot"), {
      target: 1,
      max: 1,
      reason: "budget",
      idleUsdPerDay: 0.4992,
      decidedAt: TUESDAY_0800,
    });
    // Exactly two instance-days: two again.
    await stack.db.update(pools).set({ idleBudgetUsdPerDay: 0.9984 });
    assert.equal((await hot()).launched.length, 1);
    assert.equal((await decision(stack, "hot"))?.reason, "in-window");
    assert.equal((await liveHot(stack)).length, 2);
  } finally {
    await stack.close();
  }
});

Deno.test("stopped: the window holds stopped_min, off hours drain to off_hours_min, a budget caps", async () => {
  const stack = await startCoreFixture();
  try {
    await stack.db.update(pools).set({ stoppedMin: 2, stoppedSchedule: BERLIN_WORK });
    const { stopped, setClock } = ticks(stack);

    const morning = await stopped();
    assert.equal(morning.launched.length, 2);
    assert.equal((await liveStopped(stack)).length, 2);
    // 30 GiB of gp3: 30 × 0.08 × 24 / 730 a day.
    assert.deepEqual(await decision(stack, "stopped"), {
      target: 2,
      max: 2,
      reason: "in-window",
      idleUsdPerDay: 0.078904,
      decidedAt: MONDAY_0900,
    });

    setClock(MONDAY_1830);
    const evening = await stopped();
    assert.deepEqual([evening.launched, evening.retired.length], [[], 1]);
    assert.equal((await liveStopped(stack)).length, 1);
    assert.deepEqual(await terminationAudits(stack, "stopped-pool"), ["over-max"]);
    assert.equal((await decision(stack, "stopped"))?.reason, "off-hours");

    setClock(TUESDAY_0800);
    assert.equal((await stopped()).launched.length, 1);
    assert.equal((await liveStopped(stack)).length, 2);

    // A budget under one volume-day keeps none.
    await stack.db.update(pools).set({ stoppedBudgetUsdPerDay: 0.07 });
    assert.equal((await stopped()).retired.length, 2);
    assert.deepEqual(await liveStopped(stack), []);
    assert.deepEqual(await decision(stack, "stopped"), {
      target: 0,
      max: 0,
      reason: "budget",
      idleUsdPerDay: 0.078904,
      decidedAt: TUESDAY_0800,
    });
  } finally {
    await stack.close();
  }
});
