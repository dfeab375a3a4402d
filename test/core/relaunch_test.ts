/**
 * A machine that ends before its runner takes the job (a spot reclaim in the
 * first seconds, an operator's terminate) leaves the job queued at GitHub:
 * the reaper finds it from EC2's state and the job launches again, on-demand
 * after a reclaim, a bounded number of times.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { MAX_RELAUNCHES } from "../../core/scheduler/reaper.ts";
import { auditEvents } from "../../shared/db/schema.ts";
import type { JobRow } from "../../core/db/store.ts";
import {
  type CoreFixture,
  LABELS,
  messageOf,
  reapNow,
  REPO,
  startCoreFixture,
  waitFor,
} from "./fixture.ts";

/** Waits until the job is starting on a machine other than `previous`. */
const launchedOn = (stack: CoreFixture, id: string, previous: string | null) =>
  waitFor(`job ${id} to launch`, async () => {
    const row = await stack.store.job(id);
    return row?.state === "starting" && row.instanceId !== previous ? row : undefined;
  });

const hasRunner = (stack: CoreFixture, name: string) =>
  stack.github.runners().some((r) => r.runner.name === name);

const lifecycleOf = (stack: CoreFixture, instanceId: string | null) =>
  stack.ec2Emulator.instances().find((i) => i.instanceId === instanceId)?.lifecycle;

Deno.test("a spot machine reclaimed before its runner started: the job launches again on-demand", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    const facts = jobFactsOf(seeded, { repoFullName: REPO, installationId: 1001 });
    await stack.events.handle(messageOf("queued", facts));
    const first = await launchedOn(stack, String(seeded.id), null);
    assert.equal(lifecycleOf(stack, first.instanceId), "spot");
    const firstRunner = first.runnerName!;
    // The launch's log line names the job by its correlation id, and where the time went.
    const launched = stack.lines.map((line) => JSON.parse(line)).find((line) =>
      line.msg === "batch launched"
    );
    assert.deepEqual(launched?.correlationIds, [`job-${seeded.id}`]);
    assert.deepEqual(Object.keys(launched?.ms ?? {}), [
      "prepare",
      "call",
      "record",
      "runners",
      "settle",
    ]);
    assert.ok(hasRunner(stack, firstRunner), "its runner registered");

    stack.ec2Emulator.faults.interruptSpot(first.instanceId!);
    await reapNow(stack);
    const requeued = (await stack.store.job(first.id))!;
    assert.equal(requeued.state, "queued");
    assert.equal(requeued.isForcedOnDemand, true);
    assert.equal(requeued.instanceId, null);
    assert.equal(requeued.interruptedAt, null, "not a failed run to re-run: it never ran");
    assert.equal(hasRunner(stack, firstRunner), false, "the dead runner is removed");
    const [audit] = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "job.relaunch"),
    );
    assert.equal(audit?.target, first.id);

    stack.launcher.poke();
    const second = await launchedOn(stack, first.id, first.instanceId);
    assert.equal(lifecycleOf(stack, second.instanceId), "on-demand");
    assert.notEqual(second.runnerName, firstRunner);
    // Reaping again changes nothing: the new machine is alive.
    await reapNow(stack);
    assert.equal((await stack.store.job(first.id))?.state, "starting");
  } finally {
    await stack.close();
  }
});

Deno.test("a job whose machines keep ending before the runner starts fails after the bound", async () => {
  const stack = await startCoreFixture();
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    const facts = jobFactsOf(seeded, { repoFullName: REPO, installationId: 1001 });
    await stack.events.handle(messageOf("queued", facts));
    let job: JobRow = await launchedOn(stack, String(seeded.id), null);
    const machines = [job.instanceId];
    for (let relaunch = 0; relaunch <= MAX_RELAUNCHES; relaunch++) {
      // Ended behind Gantry's back (an operator, a failed host).
      await stack.provider.terminate([job.instanceId!]);
      await reapNow(stack);
      if (relaunch === MAX_RELAUNCHES) break;
      assert.equal((await stack.store.job(job.id))?.state, "queued", `relaunch ${relaunch + 1}`);
      stack.launcher.poke();
      job = await launchedOn(stack, job.id, job.instanceId);
      machines.push(job.instanceId);
    }
    const failed = (await stack.store.job(job.id))!;
    assert.equal(failed.state, "failed");
    assert.match(failed.failureReason ?? "", /lost before its runner started .*3 times/);
    assert.equal(new Set(machines).size, MAX_RELAUNCHES + 1, "one machine per launch");
    assert.equal(lifecycleOf(stack, job.instanceId), "on-demand");
  } finally {
    await stack.close();
  }
});
