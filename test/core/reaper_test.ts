/** The reaper against libSQL and the EC2 emulator: every termination has a reason and an audit event. */
import assert from "node:assert/strict";
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { EC2Client } from "@aws-sdk/client-ec2";
import { and, desc, eq, ne } from "drizzle-orm";
import { auditEvents } from "../../shared/db/schema.ts";
import type { JobState } from "../../shared/job_state.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { startCoreStack } from "../support/core_stack.ts";

const MIN = 60_000;

async function launch(url: string, tags: Record<string, string>): Promise<string> {
  const ec2 = new EC2Client({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
  });
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "t3.small",
      MinCount: 1,
      MaxCount: 1,
      SubnetId: "subnet-a1",
      TagSpecifications: [{
        ResourceType: "instance",
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }],
    }),
  );
  ec2.destroy();
  return result.Instances![0].InstanceId!;
}

Deno.test("the reaper terminates the overdue, the never-started and orphans, and audits each", async () => {
  const stack = await startCoreStack();
  try {
    const now = Date.now();
    const managed = { "gantry:managed": "true" };
    const overdue = await launch(stack.ec2Emulator.url, managed);
    const neverStarted = await launch(stack.ec2Emulator.url, managed);
    const healthy = await launch(stack.ec2Emulator.url, managed);
    const orphan = await launch(stack.ec2Emulator.url, managed);
    const notOurs = await launch(stack.ec2Emulator.url, { team: "someone-else" });
    const job = (id: string, state: JobState, instanceId: string) =>
      stack.store.insertJob({
        id,
        githubJobId: Number(id),
        runId: 1,
        repoFullName: "octocat/hello-world",
        jobName: "build",
        sha: "abc",
        labels: [],
        state,
        instanceId,
        queuedAt: now - 120 * MIN,
        updatedAt: now - 120 * MIN,
      }, now - 120 * MIN);
    await job("1", "running", overdue);
    await job("2", "starting", neverStarted);
    await job("3", "running", healthy);
    await stack.store.recordInstances([
      { id: overdue, jobId: "1", state: "running", launchedAt: now - 61 * MIN },
      { id: neverStarted, jobId: "2", state: "pending", launchedAt: now - 11 * MIN },
      { id: healthy, jobId: "3", state: "running", launchedAt: now - 5 * MIN },
    ]);

    const terminated = await reapOnce({
      store: stack.store,
      provider: stack.provider,
      log: stack.log,
      // The emulator stamps launch times now; look from 10 minutes ahead so the orphan is past its grace.
      now: () => now + 10 * MIN,
      bootTimeoutSeconds: 600,
      maxRuntimeMinutes: 60,
    });
    const reasons = Object.fromEntries(terminated.map((t) => [t.instanceId, t.reason]));
    assert.deepEqual(reasons, {
      [overdue]: "max-runtime",
      [neverStarted]: "never-started",
      [orphan]: "orphan",
    });
    const states = Object.fromEntries(
      stack.ec2Emulator.instances().map((i) => [i.instanceId, i.state]),
    );
    assert.notEqual(states[healthy], "terminated");
    assert.notEqual(states[notOurs], "terminated", "untagged instances are never touched");
    for (const id of [overdue, neverStarted, orphan]) {
      assert.ok(["shutting-down", "terminated"].includes(states[id]), `${id} is ${states[id]}`);
    }
    assert.equal((await stack.store.job("1"))?.state, "reaped");
    // GitHub still holds the never-started job queued: it is launched again, not reaped.
    assert.equal((await stack.store.job("2"))?.state, "queued");
    assert.equal((await stack.store.job("3"))?.state, "running");
    const audits = await stack.db.select().from(auditEvents)
      .where(ne(auditEvents.action, "job.state"));
    // Every job state change is on the audit log too (migration 0015's trigger), with from/to.
    const reapedStates = await stack.db.select().from(auditEvents)
      .where(and(eq(auditEvents.action, "job.state"), eq(auditEvents.target, "1")))
      .orderBy(desc(auditEvents.id)).limit(1);
    assert.deepEqual(
      reapedStates.map((a) => {
        const { from, to } = a.payload as { from: string; to: string };
        return [a.actor, from, to];
      }),
      [["core", "running", "reaped"]],
    );
    assert.deepEqual(
      audits.map((a) => [a.action, a.target, (a.payload as { reason: string }).reason]).sort(),
      [
        ["machine.terminate", neverStarted, "never-started"],
        ["machine.terminate", orphan, "orphan"],
        ["machine.terminate", overdue, "max-runtime"],
        ["job.relaunch", "2", `runner did not start within 600 s`],
      ].sort(),
    );

    const again = await reapOnce({
      store: stack.store,
      provider: stack.provider,
      log: stack.log,
      now: () => now + 10 * MIN,
      bootTimeoutSeconds: 600,
      maxRuntimeMinutes: 60,
    });
    assert.deepEqual(again, [], "a second pass finds nothing left to do");
  } finally {
    await stack.close();
  }
});
