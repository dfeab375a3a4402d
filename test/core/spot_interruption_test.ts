/**
 * Spot interruptions end to end in the core: the instance's notice (or EC2's
 * state, found by the reaper) marks the job; its failed completion re-runs
 * that job on GitHub, the new attempt launches on-demand; bounded; each
 * matrix job on its own.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { auditEvents } from "../../shared/db/schema.ts";
import type { JobRow } from "../../core/db/store.ts";
import {
  type CoreFixture,
  LABELS,
  messageOf,
  reapNow,
  reconcilerOf,
  REPO,
  startCoreFixture,
  waitFor,
} from "./fixture.ts";

const factsOf = (stack: CoreFixture, id: number) =>
  jobFactsOf(stack.github.jobs.get(id), { repoFullName: REPO, installationId: 1001 });

/** Queues a fake job through the core and waits until its runner runs it. */
async function runJob(stack: CoreFixture, id: number): Promise<JobRow> {
  await stack.events.handle(messageOf("queued", factsOf(stack, id)));
  const starting = await waitFor(`job ${id} to launch`, async () => {
    const row = await stack.store.job(String(id));
    return row?.state === "starting" ? row : undefined;
  });
  stack.github.updateJob(id, { status: "in_progress", runner_name: starting.runnerName });
  await stack.events.handle(messageOf("in_progress", factsOf(stack, id)));
  return (await stack.store.job(String(id)))!;
}

/** The instance reports the 2-minute notice, EC2 reclaims it, GitHub fails the job. */
async function interrupt(stack: CoreFixture, job: JobRow): Promise<void> {
  await stack.events.handle({
    type: "runner_event",
    deliveryId: crypto.randomUUID(),
    receivedAt: Date.now(),
    jobId: job.id,
    runnerName: job.runnerName!,
    instanceId: job.instanceId!,
    kind: "spot-interruption-notice",
  });
  // A forced on-demand re-run cannot be reclaimed; its notice alone still counts against the bound.
  if (lifecycleOf(stack, job.instanceId) === "spot") {
    stack.ec2Emulator.faults.interruptSpot(job.instanceId!);
  }
  stack.github.updateJob(job.githubJobId, {
    status: "completed",
    conclusion: "failure",
    completed_at: new Date().toISOString(),
  });
  await stack.events.handle(messageOf("completed", factsOf(stack, job.githubJobId)));
}

const lifecycleOf = (stack: CoreFixture, instanceId: string | null) =>
  stack.ec2Emulator.instances().find((i) => i.instanceId === instanceId)?.lifecycle;

Deno.test("an interrupted spot job is re-run on GitHub, on-demand, at most spot_retries times", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    let job = await runJob(stack, seeded.id);
    assert.equal(lifecycleOf(stack, job.instanceId), "spot");

    const lineage: JobRow[] = [job];
    for (let retry = 1; retry <= 3; retry++) {
      await interrupt(stack, job);
      const interrupted = await stack.store.job(job.id);
      assert.ok(interrupted?.interruptedAt, `attempt ${retry} marked interrupted`);
      assert.equal(interrupted?.state, "completed");
      if (retry === 3) break;
      const next = [...stack.github.jobs.values()].find((j) =>
        j.run_id === seeded.run_id && j.run_attempt === retry + 1
      );
      assert.ok(next, `GitHub has attempt ${retry + 1}`);
      const row = await waitFor(`attempt ${retry + 1} to launch`, async () => {
        const r = await stack.store.job(String(next.id));
        return r?.state === "starting" ? r : undefined;
      });
      assert.equal(row.isForcedOnDemand, true);
      assert.equal(row.spotRetries, retry);
      assert.equal(row.retryOfJobId, job.id);
      assert.equal(lifecycleOf(stack, row.instanceId), "on-demand", "the re-run is on-demand");
      // The same completed webhook again: no second re-run.
      await stack.events.handle(messageOf("completed", factsOf(stack, job.githubJobId)));
      stack.github.updateJob(next.id, { status: "in_progress", runner_name: row.runnerName });
      await stack.events.handle(messageOf("in_progress", factsOf(stack, next.id)));
      job = (await stack.store.job(String(next.id)))!;
      lineage.push(job);
    }
    const reruns = stack.github.calls.filter((c) =>
      c.method === "POST" && c.path.endsWith("/rerun")
    );
    assert.equal(reruns.length, 2, "bounded by spot_retries = 2, one call per attempt");
    const audits = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "job.rerun"),
    );
    assert.deepEqual(audits.map((a) => a.target), lineage.slice(0, 2).map((j) => j.id));
  } finally {
    await stack.close();
  }
});

/** GitHub's job attempt after `job`'s, once it exists. */
const nextAttempt = (stack: CoreFixture, job: { run_id: number; name: string }, attempt: number) =>
  [...stack.github.jobs.values()].find((j) =>
    j.run_id === job.run_id && j.name === job.name && j.run_attempt === attempt
  );

const rerunCalls = (stack: CoreFixture) =>
  stack.github.calls.filter((call) => call.method === "POST" && /\/rerun/.test(call.path))
    .map((call) => `${call.path} ${call.status}`);

const rerunAudits = async (stack: CoreFixture) =>
  (await stack.db.select().from(auditEvents).where(eq(auditEvents.action, "job.rerun")))
    .map((a) => [a.target, a.outcome]);

/** Completes a job on GitHub and tells the core, as GitHub's webhook would. */
async function finish(stack: CoreFixture, id: number, conclusion: "success" | "failure") {
  stack.github.updateJob(id, { status: "completed", conclusion });
  await stack.events.handle(messageOf("completed", factsOf(stack, id)));
}

Deno.test("each interrupted matrix job is re-run on its own, once its run has completed; an uninterrupted failure is not", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const a = stack.github.addJob({ repo: REPO, labels: LABELS, name: "test (1)" });
    const b = stack.github.addJob({
      repo: REPO,
      labels: LABELS,
      name: "test (2)",
      run_id: a.run_id,
    });
    const c = stack.github.addJob({
      repo: REPO,
      labels: LABELS,
      name: "test (3)",
      run_id: a.run_id,
    });
    const jobs = [await runJob(stack, a.id), await runJob(stack, b.id), await runJob(stack, c.id)];
    await interrupt(stack, jobs[0]);
    await interrupt(stack, jobs[1]);
    assert.deepEqual(rerunCalls(stack), [], "GitHub refuses while the run is in progress");
    // Job c fails by itself: the run completes; a is re-run, and the new attempt runs.
    await finish(stack, c.id, "failure");
    const a2 = nextAttempt(stack, a, 2);
    assert.ok(a2, "GitHub has a's attempt 2");
    assert.equal(nextAttempt(stack, b, 2), undefined, "b waits: a's attempt keeps the run busy");
    const a2Row = await waitFor("a's re-run to launch", async () => {
      const row = await stack.store.job(String(a2.id));
      return row?.state === "starting" ? row : undefined;
    });
    assert.equal(a2Row.isForcedOnDemand, true);
    await finish(stack, a2.id, "success");
    const b3 = nextAttempt(stack, b, 3);
    assert.ok(b3, "b is re-run in the run's next attempt");
    assert.equal((await stack.store.job(String(b3.id)))?.isForcedOnDemand, true);
    assert.deepEqual(rerunCalls(stack), [
      `/repos/${REPO}/actions/jobs/${a.id}/rerun 201`,
      `/repos/${REPO}/actions/jobs/${b.id}/rerun 201`,
    ]);
    assert.deepEqual(await rerunAudits(stack), [[String(a.id), "ok"], [String(b.id), "ok"]]);
  } finally {
    await stack.close();
  }
});

Deno.test("an interrupted job's re-run waits for its run; nothing is refused or audited until it lands", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const job = stack.github.addJob({ repo: REPO, labels: LABELS, name: "build" });
    // A sibling on a GitHub-hosted runner: not Gantry's job, but it keeps the run going.
    const hosted = stack.github.addJob({
      repo: REPO,
      labels: ["ubuntu-latest"],
      name: "lint",
      run_id: job.run_id,
      status: "in_progress",
    });
    await interrupt(stack, await runJob(stack, job.id));
    assert.deepEqual(rerunCalls(stack), []);
    assert.deepEqual(await rerunAudits(stack), []);
    // The reconciler's pass looks again, and still waits.
    await reconcilerOf(stack).reconcileOnce();
    assert.deepEqual(rerunCalls(stack), []);
    await finish(stack, hosted.id, "success");
    const next = nextAttempt(stack, job, 2);
    assert.ok(next);
    assert.deepEqual(rerunCalls(stack), [`/repos/${REPO}/actions/jobs/${job.id}/rerun 201`]);
    assert.deepEqual(await rerunAudits(stack), [[String(job.id), "ok"]]);
    await waitFor(
      "the re-run to launch",
      async () => (await stack.store.job(String(next.id)))?.state === "starting",
    );
  } finally {
    await stack.close();
  }
});

Deno.test("an interrupted job of a reusable workflow is re-run through its run's re-run-failed-jobs", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const job = stack.github.addJob({
      repo: REPO,
      labels: LABELS,
      name: "call-tests / test",
      isReusable: true,
    });
    await interrupt(stack, await runJob(stack, job.id));
    const next = nextAttempt(stack, job, 2);
    assert.ok(next, "GitHub has the reusable job's attempt 2");
    assert.deepEqual(rerunCalls(stack), [
      `/repos/${REPO}/actions/jobs/${job.id}/rerun 403`,
      `/repos/${REPO}/actions/runs/${job.run_id}/rerun-failed-jobs 201`,
    ]);
    const row = await waitFor("the re-run to launch", async () => {
      const r = await stack.store.job(String(next.id));
      return r?.state === "starting" ? r : undefined;
    });
    assert.deepEqual([row.isForcedOnDemand, row.retryOfJobId], [true, String(job.id)]);
    assert.deepEqual(await rerunAudits(stack), [[String(job.id), "ok"]]);
  } finally {
    await stack.close();
  }
});

Deno.test("a spot reclaim whose notice never came is found by the reaper from EC2's state", async () => {
  const stack = await startCoreFixture({ spot: true });
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    const job = await runJob(stack, seeded.id);
    stack.ec2Emulator.faults.interruptSpot(job.instanceId!);
    await reapNow(stack);
    assert.ok((await stack.store.job(job.id))?.interruptedAt, "the job is marked interrupted");
    const audits = await stack.db.select().from(auditEvents);
    const interrupted = audits.find((a) => a.action === "machine.interrupted");
    assert.equal(interrupted?.target, job.instanceId);
    assert.equal(
      (interrupted?.payload as { stateReason: string }).stateReason,
      "Server.SpotInstanceTermination",
    );
    // Its failure then re-runs it, as with a notice.
    stack.github.updateJob(seeded.id, { status: "completed", conclusion: "failure" });
    await stack.events.handle(messageOf("completed", factsOf(stack, seeded.id)));
    assert.equal(stack.github.calls.filter((c) => c.path.endsWith("/rerun")).length, 1);
  } finally {
    await stack.close();
  }
});
