/**
 * The reaper against an eventually consistent EC2 (the emulator with lag, on
 * a clock the test moves): a live instance never leaves the books because EC2
 * did not list it yet, a NotFound on terminate is tried again, and an
 * instance the books closed that EC2 still runs is terminated again.
 * ("Eventual consistency in the Amazon EC2 API", EC2 developer guide.)
 */
import assert from "node:assert/strict";
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { eq } from "drizzle-orm";
import { auditEvents, instances } from "../../shared/db/schema.ts";
import type { JobState } from "../../shared/job_state.ts";
import { AbsenceBook } from "../../core/scheduler/absence.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { startCoreStack } from "../support/core_stack.ts";
import { FAKE_CREDENTIALS } from "../support/ec2/sdk_clients.ts";

const SEC = 1_000;
const MIN = 60 * SEC;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function manualClock() {
  let now = T0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function withStack(
  consistency: { newIdMs?: number; staleStateMs?: number; terminatedVisibleMs?: number },
  body: (
    stack: Awaited<ReturnType<typeof startCoreStack>>,
    clock: ReturnType<typeof manualClock>,
    ec2: EC2Client,
  ) => Promise<void>,
) {
  const clock = manualClock();
  const stack = await startCoreStack({ emulator: { clock: clock.now, consistency } });
  const ec2 = new EC2Client({
    region: "us-east-1",
    endpoint: stack.ec2Emulator.url,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await body(stack, clock, ec2);
  } finally {
    ec2.destroy();
    await stack.close();
  }
}

async function launchManaged(ec2: EC2Client): Promise<string> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "t3.small",
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{
        ResourceType: "instance",
        Tags: [{ Key: "gantry:managed", Value: "true" }],
      }],
    }),
  );
  return result.Instances![0].InstanceId!;
}

/** A job in `state` on `instanceId`, recorded as launched at `launchedAt`. */
async function book(
  stack: Awaited<ReturnType<typeof startCoreStack>>,
  job: { id: string; state: JobState; instanceId: string; launchedAt: number },
) {
  await stack.store.insertJob({
    id: job.id,
    githubJobId: Number(job.id),
    runId: 1,
    repoFullName: "octocat/hello-world",
    jobName: "build",
    sha: "abc",
    labels: [],
    state: job.state,
    instanceId: job.instanceId,
    queuedAt: job.launchedAt,
    updatedAt: job.launchedAt,
  }, job.launchedAt);
  await stack.store.recordInstances([
    { id: job.instanceId, jobId: job.id, state: "running", launchedAt: job.launchedAt },
  ]);
}

async function terminatedAt(
  stack: Awaited<ReturnType<typeof startCoreStack>>,
  id: string,
): Promise<number | null> {
  const [row] = await stack.db.select().from(instances).where(eq(instances.id, id));
  return row.terminatedAt ?? null;
}

function pass(
  stack: Awaited<ReturnType<typeof startCoreStack>>,
  clock: ReturnType<typeof manualClock>,
  absences: AbsenceBook,
) {
  return reapOnce({
    store: stack.store,
    provider: stack.provider,
    log: stack.log,
    now: clock.now,
    bootTimeoutSeconds: 600,
    maxRuntimeMinutes: 60,
    absences,
  });
}

Deno.test("a running instance EC2 does not list yet stays in the books and its job keeps running", async () => {
  await withStack({ newIdMs: 4 * MIN }, async (stack, clock, ec2) => {
    const id = await launchManaged(ec2);
    await book(stack, { id: "1", state: "running", instanceId: id, launchedAt: T0 });
    const absences = new AbsenceBook();
    // Passes every 30 s for six minutes: EC2 answers NotFound for its first four.
    for (let at = 0; at <= 6 * MIN; at += 30 * SEC) {
      clock.advance(30 * SEC);
      assert.deepEqual(await pass(stack, clock, absences), []);
    }
    assert.equal(await terminatedAt(stack, id), null);
    assert.equal((await stack.store.job("1"))?.state, "running");
    assert.equal(stack.ec2Emulator.instances()[0].state, "running");
  });
});

Deno.test("an instance EC2 has forgotten is gone after three misses over two minutes, not before", async () => {
  await withStack({ terminatedVisibleMs: 1 * MIN }, async (stack, clock, ec2) => {
    const id = await launchManaged(ec2);
    await book(stack, { id: "1", state: "running", instanceId: id, launchedAt: T0 });
    clock.advance(10 * MIN);
    // Terminated behind Gantry's back, then forgotten by EC2 a minute later.
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    clock.advance(2 * MIN);
    const absences = new AbsenceBook();
    await pass(stack, clock, absences);
    clock.advance(1 * MIN);
    await pass(stack, clock, absences);
    assert.equal(await terminatedAt(stack, id), null, "two misses over a minute: not yet gone");
    clock.advance(1 * MIN);
    await pass(stack, clock, absences);
    assert.equal(await terminatedAt(stack, id), clock.now());
    const [gone] = await stack.db.select().from(auditEvents).where(
      eq(auditEvents.action, "machine.gone"),
    );
    assert.equal(gone.target, id);
  });
});

Deno.test("a NotFound on terminate leaves the instance live in the books, and the next pass terminates it", async () => {
  await withStack({ newIdMs: 3 * MIN }, async (stack, clock, ec2) => {
    const id = await launchManaged(ec2);
    // Past its max runtime by the books, so the first pass wants it terminated.
    await book(stack, { id: "1", state: "running", instanceId: id, launchedAt: T0 - 61 * MIN });
    const absences = new AbsenceBook();
    clock.advance(1 * MIN);
    assert.deepEqual(await pass(stack, clock, absences), []);
    assert.equal(await terminatedAt(stack, id), null);
    assert.equal(stack.ec2Emulator.instances()[0].state, "running");
    clock.advance(2 * MIN);
    const reaped = await pass(stack, clock, absences);
    assert.deepEqual(reaped.map((t) => [t.instanceId, t.reason]), [[id, "max-runtime"]]);
    assert.equal(await terminatedAt(stack, id), clock.now());
    assert.equal(stack.ec2Emulator.instances()[0].state, "terminated");
  });
});

Deno.test("an instance the books hold terminated but EC2 lists running with Gantry's tag is terminated again", async () => {
  await withStack({}, async (stack, clock, ec2) => {
    const id = await launchManaged(ec2);
    await book(stack, { id: "1", state: "completed", instanceId: id, launchedAt: T0 });
    await stack.store.markTerminated([id], "job-finished", T0 + 1 * MIN);
    const absences = new AbsenceBook();
    clock.advance(2 * MIN);
    assert.deepEqual(await pass(stack, clock, absences), [], "closed a minute ago: spared");
    clock.advance(1 * MIN + 1);
    const reaped = await pass(stack, clock, absences);
    assert.deepEqual(reaped.map((t) => [t.instanceId, t.reason, t.detail]), [[
      id,
      "orphan",
      "terminated in the books but EC2 still lists it running",
    ]]);
    assert.equal(stack.ec2Emulator.instances()[0].state, "terminated");
  });
});
