/**
 * GitHub gives a job to any idle runner whose labels match. Costs, instance
 * links and reaping follow the runner named by `in_progress`, never the
 * launch; a pinned job's runner carries its `gantry-run=<id>` label alone.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { auditEvents } from "../../shared/db/schema.ts";
import { costUsd, elapsedSeconds } from "../../shared/cost.ts";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { decodeJitConfig } from "../support/github/runners.ts";
import {
  type CoreFixture,
  LABELS,
  messageOf,
  reapNow,
  REPO,
  startCoreFixture,
  waitFor,
} from "./fixture.ts";

const factsOf = (stack: CoreFixture, id: number) =>
  jobFactsOf(stack.github.jobs.get(id), { repoFullName: REPO, installationId: 1001 });

async function launch(stack: CoreFixture, id: number) {
  await stack.events.handle(messageOf("queued", factsOf(stack, id)));
  return await waitFor(`job ${id} to launch`, async () => {
    const row = await stack.store.job(String(id));
    return row?.state === "starting" ? row : undefined;
  });
}

const stateOf = (stack: CoreFixture, instanceId: string | null) =>
  stack.ec2Emulator.instances().find((i) => i.instanceId === instanceId)?.state;

Deno.test("when job A's runner runs job B, cost, instance and reaping follow the runner", async () => {
  const stack = await startCoreFixture();
  try {
    const a = stack.github.addJob({ repo: REPO, labels: LABELS, name: "a" });
    const b = stack.github.addJob({ repo: REPO, labels: LABELS, name: "b" });
    const launchedA = await launch(stack, a.id);
    const launchedB = await launch(stack, b.id);
    assert.notEqual(launchedA.instanceId, launchedB.instanceId);

    // GitHub swaps them: A runs on B's runner, B on A's.
    for (const [job, on] of [[a, launchedB], [b, launchedA]] as const) {
      stack.github.updateJob(job.id, { status: "in_progress", runner_name: on.runnerName });
      await stack.events.handle(messageOf("in_progress", factsOf(stack, job.id)));
    }
    assert.equal((await stack.store.job(String(a.id)))?.instanceId, launchedB.instanceId);
    assert.equal((await stack.store.job(String(b.id)))?.instanceId, launchedA.instanceId);

    stack.github.updateJob(a.id, { status: "completed", conclusion: "success" });
    await stack.events.handle(messageOf("completed", factsOf(stack, a.id)));
    const doneA = await stack.store.job(String(a.id));
    assert.equal(doneA?.instanceId, launchedB.instanceId, "A's cost is B's instance's");
    assert.equal(doneA?.priceUsdPerHour, launchedB.priceUsdPerHour);
    // The cost is the instance it ran on, priced over that instance's life to the close.
    const ranOnA = await stack.store.instanceByRunnerName(launchedB.runnerName!);
    assert.ok(ranOnA && ranOnA.priceUsdPerHour! > 0);
    assert.equal(
      Math.round(doneA!.costUsd! * 1e6),
      Math.round(
        costUsd(ranOnA.priceUsdPerHour!, elapsedSeconds(ranOnA.launchedAt, doneA!.updatedAt)) * 1e6,
      ),
    );
    assert.ok(
      ["shutting-down", "terminated"].includes(String(stateOf(stack, launchedB.instanceId))),
    );
    assert.equal(stateOf(stack, launchedA.instanceId), "running", "B still runs on A's instance");

    // The reaper must not take A's instance: A finished, but B runs there.
    const reaped = await reapNow(stack);
    assert.deepEqual(reaped, []);

    stack.github.updateJob(b.id, { status: "completed", conclusion: "success" });
    await stack.events.handle(messageOf("completed", factsOf(stack, b.id)));
    assert.ok(
      ["shutting-down", "terminated"].includes(String(stateOf(stack, launchedA.instanceId))),
    );
    assert.equal((await stack.store.job(String(b.id)))?.instanceId, launchedA.instanceId);
  } finally {
    await stack.close();
  }
});

Deno.test("a runner whose job was taken by another runner is reaped as idle, its runner removed", async () => {
  const stack = await startCoreFixture();
  try {
    const a = stack.github.addJob({ repo: REPO, labels: LABELS, name: "a" });
    const b = stack.github.addJob({ repo: REPO, labels: LABELS, name: "b" });
    const launchedA = await launch(stack, a.id);
    const launchedB = await launch(stack, b.id);
    // A runs on B's runner; nothing ever runs on A's.
    stack.github.updateJob(a.id, { status: "in_progress", runner_name: launchedB.runnerName });
    await stack.events.handle(messageOf("in_progress", factsOf(stack, a.id)));
    const reap = (now: number) =>
      reapOnce({
        store: stack.store,
        provider: stack.provider,
        log: stack.log,
        now: () => now,
        bootTimeoutSeconds: 600,
        maxRuntimeMinutes: 60,
        idleTimeoutMinutes: 10,
        github: stack.app,
      });
    assert.deepEqual(await reap(Date.now() + 5 * 60_000), [], "idle, but not for long");
    const reaped = await reap(Date.now() + 11 * 60_000);
    assert.deepEqual(reaped.map((t) => [t.instanceId, t.reason]), [[launchedA.instanceId, "idle"]]);
    assert.equal((await stack.store.job(String(a.id)))?.state, "running", "A runs on, elsewhere");
    const runners = stack.github.runners().map((r) => r.runner.name);
    assert.ok(!runners.includes(launchedA.runnerName!), "the idle runner is removed from GitHub");
    assert.ok(runners.includes(launchedB.runnerName!));
  } finally {
    await stack.close();
  }
});

Deno.test("a gantry-run=<id> label pins: only that job's runner carries it", async () => {
  const stack = await startCoreFixture();
  try {
    const pinned = stack.github.addJob({
      repo: REPO,
      labels: [...LABELS, "gantry-run=9100777"],
      name: "pinned",
    });
    const plain = stack.github.addJob({ repo: REPO, labels: LABELS, name: "plain" });
    const launchedPinned = await launch(stack, pinned.id);
    const launchedPlain = await launch(stack, plain.id);
    const labelsOf = (runnerName: string | null) => {
      const registered = stack.github.runners().find((r) => r.runner.name === runnerName);
      assert.ok(registered, `runner ${runnerName} registered`);
      return decodeJitConfig(registered.encodedJitConfig).runner.Labels;
    };
    // The job's runs-on as written (pin included), then the pool's own labels.
    assert.deepEqual(labelsOf(launchedPinned.runnerName), [
      ...LABELS,
      "gantry-run=9100777",
      "acme-web",
    ]);
    assert.deepEqual(labelsOf(launchedPlain.runnerName), [...LABELS, "acme-web"]);
  } finally {
    await stack.close();
  }
});

const terminateCallsFor = (stack: CoreFixture, instanceId: string | null) =>
  stack.ec2Emulator.calls.filter((call) =>
    call.action === "TerminateInstances" && Object.values(call.params).includes(String(instanceId))
  ).length;

const reapAt = (stack: CoreFixture, now: number) =>
  reapOnce({
    store: stack.store,
    provider: stack.provider,
    log: stack.log,
    now: () => now,
    bootTimeoutSeconds: 600,
    maxRuntimeMinutes: 60,
    idleTimeoutMinutes: 10,
    github: stack.app,
  });

Deno.test("job A cancelled before it ran leaves A's instance running job B; B ends it, once", async () => {
  const stack = await startCoreFixture();
  try {
    const a = stack.github.addJob({ repo: REPO, labels: LABELS, name: "a" });
    const b = stack.github.addJob({ repo: REPO, labels: LABELS, name: "b" });
    const launchedA = await launch(stack, a.id);
    const launchedB = await launch(stack, b.id);

    // B runs on A's runner; then A is cancelled while still queued (no runner).
    stack.github.updateJob(b.id, { status: "in_progress", runner_name: launchedA.runnerName });
    await stack.events.handle(messageOf("in_progress", factsOf(stack, b.id)));
    stack.github.updateJob(a.id, { status: "completed", conclusion: "cancelled" });
    const cancelled = factsOf(stack, a.id);
    assert.equal(cancelled.runnerName, null);
    await stack.events.handle(messageOf("completed", cancelled));
    assert.equal((await stack.store.job(String(a.id)))?.state, "cancelled");
    assert.equal(stateOf(stack, launchedA.instanceId), "running", "B still runs on A's instance");
    assert.equal(terminateCallsFor(stack, launchedA.instanceId), 0);

    // Past the idle timeout the reaper takes B's idle instance, never A's busy one.
    const reaped = await reapAt(stack, Date.now() + 11 * 60_000);
    assert.deepEqual(reaped.map((t) => [t.instanceId, t.reason]), [[launchedB.instanceId, "idle"]]);
    assert.equal(stateOf(stack, launchedA.instanceId), "running");

    stack.github.updateJob(b.id, { status: "completed", conclusion: "success" });
    await stack.events.handle(messageOf("completed", factsOf(stack, b.id)));
    const doneB = await stack.store.job(String(b.id));
    assert.equal(doneB?.state, "completed");
    assert.equal(doneB?.instanceId, launchedA.instanceId);
    // The cost is the instance it ran on, priced over that instance's life to the close.
    const ranOnB = await stack.store.instanceByRunnerName(launchedA.runnerName!);
    assert.ok(ranOnB && ranOnB.priceUsdPerHour! > 0);
    assert.equal(
      Math.round(doneB!.costUsd! * 1e6),
      Math.round(
        costUsd(ranOnB.priceUsdPerHour!, elapsedSeconds(ranOnB.launchedAt, doneB!.updatedAt)) * 1e6,
      ),
    );
    assert.ok(
      ["shutting-down", "terminated"].includes(String(stateOf(stack, launchedA.instanceId))),
    );
    assert.deepEqual(await reapAt(stack, Date.now() + 12 * 60_000), [], "nothing left to reap");
    assert.equal(terminateCallsFor(stack, launchedA.instanceId), 1, "terminated once");
    // Ended with its job's completion: audited like any other termination.
    const terminations = await stack.db.select().from(auditEvents).where(
      and(
        eq(auditEvents.action, "machine.terminate"),
        eq(auditEvents.target, launchedA.instanceId!),
      ),
    );
    assert.deepEqual(terminations.map((a) => [a.actor, a.payload]), [
      ["core", { reason: "job-completed", jobId: String(b.id), conclusion: "success" }],
    ]);
    const statesOfB = await stack.db.select().from(auditEvents).where(
      and(eq(auditEvents.action, "job.state"), eq(auditEvents.target, String(b.id))),
    ).orderBy(auditEvents.id);
    assert.deepEqual(
      statesOfB.map((a) => (a.payload as { to: string }).to).slice(-2),
      ["running", "completed"],
    );
  } finally {
    await stack.close();
  }
});

Deno.test("an instance whose job was cancelled before it ran is reaped only once idle past the timeout", async () => {
  const stack = await startCoreFixture();
  try {
    const a = stack.github.addJob({ repo: REPO, labels: LABELS, name: "a" });
    const launchedA = await launch(stack, a.id);
    stack.github.updateJob(a.id, { status: "completed", conclusion: "cancelled" });
    await stack.events.handle(messageOf("completed", factsOf(stack, a.id)));
    assert.equal(stateOf(stack, launchedA.instanceId), "running");

    // Its runner may be running a job whose in_progress is still on its way.
    assert.deepEqual(await reapAt(stack, Date.now() + 5 * 60_000), [], "within the idle timeout");
    const reaped = await reapAt(stack, Date.now() + 11 * 60_000);
    assert.deepEqual(reaped.map((t) => [t.instanceId, t.reason]), [[launchedA.instanceId, "idle"]]);
    assert.match(reaped[0].detail, /ended \(cancelled\) without running here/);
    assert.equal(terminateCallsFor(stack, launchedA.instanceId), 1);
    const runners = stack.github.runners().map((r) => r.runner.name);
    assert.ok(!runners.includes(launchedA.runnerName!), "its runner is removed from GitHub");
  } finally {
    await stack.close();
  }
});
