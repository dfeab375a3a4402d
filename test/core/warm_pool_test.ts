/**
 * Warm pools against libSQL, the EC2 emulator and the GitHub fake: a pool
 * with min_idle keeps that many registered idle runners; one that takes a
 * job is replaced; one idle past the idle timeout is removed from GitHub,
 * terminated and replaced (unless GitHub says it is busy); repeated ticks and
 * a replay after a crash launch nothing twice; the reaper spares them.
 */
import assert from "node:assert/strict";
import { eq, isNotNull } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { WARM_JOB_ID, warmPoolOnce } from "../../core/scheduler/warm_pool.ts";
import { instances, pools } from "../../shared/db/schema.ts";
import { decodeJitConfig } from "../support/github/runners.ts";
import { type CoreFixture, LABELS, messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

const MIN = 60_000;

async function warmStack(minIdle: number) {
  const stack = await startCoreFixture();
  await stack.db.update(pools).set({ minIdle });
  let clock = Date.now();
  const tick = () =>
    warmPoolOnce({
      store: stack.store,
      provider: stack.provider,
      github: stack.app,
      vault: stack.vault,
      log: stack.log,
      now: () => clock,
      runners: { edgeUrl: "http://127.0.0.1:1", bootTimeoutSeconds: 600 },
      idleTimeoutMs: 10 * MIN,
    });
  return { stack, tick, advance: (ms: number) => (clock += ms), now: () => clock };
}

const liveWarm = async (stack: CoreFixture) =>
  (await stack.db.select().from(instances).where(isNotNull(instances.warmRepoFullName)))
    .filter((row) => row.terminatedAt === null);

const emulatorState = (stack: CoreFixture, id: string) =>
  stack.ec2Emulator.instances().find((i) => i.instanceId === id)?.state;

const isGone = (stack: CoreFixture, id: string) =>
  ["shutting-down", "terminated"].includes(String(emulatorState(stack, id)));

Deno.test("min_idle 2 keeps two registered idle runners; repeated ticks launch nothing twice", async () => {
  const { stack, tick } = await warmStack(2);
  try {
    const first = await tick();
    assert.equal(first.launched.length, 2);
    assert.deepEqual(first.expired, []);
    assert.equal(stack.ec2Emulator.instances().length, 2);
    const rows = await liveWarm(stack);
    assert.deepEqual(rows.map((r) => r.id).sort(), [...first.launched].sort());
    for (const row of rows) {
      assert.equal(row.jobId, null);
      assert.equal(row.warmRepoFullName, REPO);
      assert.equal(row.runnerName, `gantry-warm-${row.id}`);
    }
    // Registered with the pool's label set, and deposited for its instance.
    for (const row of rows) {
      const runner = stack.github.runners().find((r) => r.runner.name === row.runnerName);
      assert.ok(runner, `runner ${row.runnerName} registered`);
      assert.deepEqual(decodeJitConfig(runner.encodedJitConfig).runner.Labels, [
        ...LABELS,
        "acme-web",
      ]);
      const deposit = stack.deposits.find((d) => d.instanceId === row.id);
      assert.equal(deposit?.jobId, WARM_JOB_ID);
      assert.equal(deposit?.runnerName, row.runnerName);
    }
    const tagged = stack.ec2Emulator.instances().filter((i) => i.tags["gantry:warm"] === "true");
    assert.equal(tagged.length, 2, "tagged gantry:warm");

    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] });
    }
    assert.equal(stack.ec2Emulator.instances().length, 2);

    // A crash after EC2 answered, before the runners were registered and the
    // instances recorded: the next tick sends the same client tokens, and EC2
    // hands back the same machines.
    for (const row of rows) {
      await stack.app.removeRunner({
        repoFullName: REPO,
        installationId: 1001,
        runnerName: row.runnerName!,
      });
    }
    await stack.db.delete(instances);
    const replay = await tick();
    assert.deepEqual([...replay.launched].sort(), [...first.launched].sort());
    assert.equal(stack.ec2Emulator.instances().length, 2, "no machine launched twice");
    assert.equal((await liveWarm(stack)).length, 2);
  } finally {
    await stack.close();
  }
});

/** Queues a job, waits for its own launch, then GitHub gives it to the warm runner `taker`. */
async function takenByWarm(
  stack: CoreFixture,
  taker: { runnerName: string | null },
  labels: string[],
) {
  const job = stack.github.addJob({ repo: REPO, labels, name: "warm-taken" });
  const facts = () =>
    jobFactsOf(stack.github.jobs.get(job.id), { repoFullName: REPO, installationId: 1001 });
  await stack.events.handle(messageOf("queued", facts()));
  const own = await waitFor("the job's own launch", async () => {
    const row = await stack.store.job(String(job.id));
    return row?.state === "starting" ? row.instanceId! : undefined;
  });
  stack.github.updateJob(job.id, { status: "in_progress", runner_name: taker.runnerName });
  await stack.events.handle(messageOf("in_progress", facts()));
  return { job, facts, own };
}

Deno.test("a warm runner that takes a job is replaced by the machine launched for it; the job's end ends the runner it ran on", async () => {
  const { stack, tick } = await warmStack(2);
  try {
    const { launched } = await tick();
    const taker = (await liveWarm(stack)).find((r) => r.id === launched[0])!;
    const { job, facts, own } = await takenByWarm(stack, taker, LABELS);
    assert.equal((await stack.store.job(String(job.id)))?.instanceId, taker.id);

    // The job's own machine is not needed by the job any more: it becomes the replacement.
    assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] }, "no launch");
    const warm = await liveWarm(stack);
    assert.deepEqual(warm.map((r) => r.id).sort(), [...launched, own].sort());
    assert.equal(warm.find((r) => r.id === own)?.warmRepoFullName, REPO);
    assert.equal(stack.ec2Emulator.instances().length, 3, "two warm and the job's own, no more");
    assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] });

    stack.github.updateJob(job.id, { status: "completed", conclusion: "success" });
    await stack.events.handle(messageOf("completed", facts()));
    assert.ok(isGone(stack, taker.id), "the warm runner ends with its job");
    assert.ok(!isGone(stack, own), "the adopted machine stays, idle and warm");
    assert.equal((await liveWarm(stack)).length, 2);
    assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] });
  } finally {
    await stack.close();
  }
});

Deno.test("a pinned job's own machine is not adopted: a fresh warm runner replaces the taken one", async () => {
  const { stack, tick } = await warmStack(1);
  try {
    const { launched } = await tick();
    const taker = (await liveWarm(stack)).find((r) => r.id === launched[0])!;
    const { own } = await takenByWarm(stack, taker, [...LABELS, "gantry-run=4242"]);
    const next = await tick();
    assert.equal(next.launched.length, 1, "one replacement launched");
    assert.ok(!launched.includes(next.launched[0]) && next.launched[0] !== own);
    assert.ok(!(await liveWarm(stack)).some((r) => r.id === own), "its runner takes only its run");
  } finally {
    await stack.close();
  }
});

Deno.test("an idle warm runner past the idle timeout is removed, terminated and replaced; a busy one stays", async () => {
  const { stack, tick, advance, now } = await warmStack(2);
  try {
    const { launched } = await tick();
    const reap = () =>
      reapOnce({
        store: stack.store,
        provider: stack.provider,
        log: stack.log,
        now,
        bootTimeoutSeconds: 600,
        maxRuntimeMinutes: 60,
        idleTimeoutMinutes: 10,
        github: stack.app,
      });
    advance(9 * MIN);
    assert.deepEqual(await reap(), [], "the reaper spares young warm runners");
    assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] });

    // One of them took a job just now: GitHub says busy, its in_progress is on its way.
    const [busy, idle] = (await liveWarm(stack)).sort((a, b) => a.id.localeCompare(b.id));
    const busyRunner = stack.github.runners().find((r) => r.runner.name === busy.runnerName)!;
    stack.github.updateRunner(busyRunner.runner.id, { busy: true });

    advance(2 * MIN);
    const later = await tick();
    assert.deepEqual(later.expired, [idle.id]);
    // Both are past the timeout, so neither counts as idle: two fresh ones.
    assert.equal(later.launched.length, 2, "replaced");
    assert.ok(!later.launched.some((id) => launched.includes(id)));
    assert.ok(isGone(stack, idle.id));
    assert.equal(emulatorState(stack, busy.id), "running");
    const names = stack.github.runners().map((r) => r.runner.name);
    assert.ok(!names.includes(idle.runnerName!), "removed from GitHub");
    assert.ok(names.includes(busy.runnerName!));
    const [terminated] = await stack.db.select().from(instances).where(eq(instances.id, idle.id));
    assert.match(String(terminated.terminationReason), /warm runner idle/);

    // The fresh one is young: the reaper leaves it, and the next tick does nothing.
    const reaped = await reap();
    assert.ok(!reaped.some((t) => later.launched.includes(t.instanceId)));
    assert.deepEqual(await tick(), { launched: [], expired: [], surplus: [] });
    assert.equal(emulatorState(stack, busy.id), "running", "still busy: kept");
  } finally {
    await stack.close();
  }
});
