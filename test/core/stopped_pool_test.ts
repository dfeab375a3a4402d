/**
 * Stopped warm pools against real parts (libSQL server, EC2 emulator over the
 * SDK, GitHub fake, edge in workerd as the runner vault and queue), asserting
 * on the emulator's call log: a pool keeps a stopped instance (launched,
 * first boot reported through the edge, stopped — hibernated, for a pool of
 * one size); a job starts it (StartInstances, no launch), resized first only
 * when the job wants another size and it was not hibernated; the instance fetches a fresh config for the job from the edge; after
 * the job it is terminated and replaced; with none free a job launches cold
 * and its wait says why.
 */
import assert from "node:assert/strict";
import { and, eq, inArray } from "drizzle-orm";
import { instances, jobWaits, pools } from "../../shared/db/schema.ts";
import { stoppedPoolOnce } from "../../core/scheduler/stopped_pool.ts";
import { leaseAll } from "../support/core_token.ts";
import { eventually, startLaunchStack } from "../support/launch_stack.ts";

type LaunchStack = Awaited<ReturnType<typeof startLaunchStack>>;

const LABELS = ["self-hosted", "my-app", "warm"];
const BOOT_TIMEOUT_S = 600;

function tick(stack: LaunchStack) {
  return stoppedPoolOnce({
    store: stack.store,
    provider: stack.provider,
    vault: stack.vault,
    log: stack.log,
    now: Date.now,
    runners: { edgeUrl: stack.edge.url, bootTimeoutSeconds: BOOT_TIMEOUT_S },
  });
}

/** The actions the emulator answered without error since `from`, in order. */
const actionsSince = (stack: LaunchStack, from: number, names: string[]) =>
  stack.ec2Emulator.calls.slice(from).filter((c) => !c.error && names.includes(c.action));

const MUTATIONS = [
  "CreateFleet",
  "RunInstances",
  "StartInstances",
  "StopInstances",
  "ModifyInstanceAttribute",
  "TerminateInstances",
];

/** What the instance does on its first boot: reports `prepared` to the edge with its launch's token. */
async function firstBoot(stack: LaunchStack, instanceId: string) {
  const [row] = await stack.db.select().from(instances).where(eq(instances.id, instanceId));
  const token = await stack.vault.batchToken({
    batchId: row.clientToken!,
    issuedAt: Date.now(),
    ttlSeconds: 60,
  });
  const response = await fetch(`${stack.edge.url}/runner/v1/event`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ instanceId, kind: "prepared" }),
  });
  assert.equal(response.status, 202, await response.text());
  // The core leases what the edge queued and handles it.
  for (const event of await leaseAll(stack.edge.url, stack.coreKeys.privateKeyPem)) {
    await stack.events.handle(event.message);
  }
}

/** Launches and prepares the pool's stopped instances; returns their ids. */
async function prepared(stack: LaunchStack): Promise<string[]> {
  const { launched } = await tick(stack);
  for (const id of launched) await firstBoot(stack, id);
  const { ready } = await tick(stack);
  assert.deepEqual([...ready].sort(), [...launched].sort(), "stopped after the first boot");
  return launched;
}

/** What the instance does on a later boot: fetches its config from the edge with its launch's token. */
async function fetchConfig(stack: LaunchStack, instanceId: string) {
  const [row] = await stack.db.select().from(instances).where(eq(instances.id, instanceId));
  const token = await stack.vault.batchToken({
    batchId: row.clientToken!,
    issuedAt: Date.now(),
    ttlSeconds: 60,
  });
  return await fetch(`${stack.edge.url}/runner/v1/config`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ instanceId }),
  });
}

/** Queues one job and waits for it to start; returns it and the EC2 mutations it made. */
async function startOneJob(stack: LaunchStack) {
  const from = stack.ec2Emulator.calls.length;
  const id = await stack.queue(LABELS);
  await eventually("the job starting", async () => (await stack.states([id]))[id] === "starting");
  return { id, calls: actionsSince(stack, from, MUTATIONS) };
}

const standbyOf = async (stack: LaunchStack, id: string) =>
  (await stack.db.select().from(instances).where(eq(instances.id, id)))[0]?.standby;

Deno.test("stopped warm pools", async (t) => {
  const stack = await startLaunchStack({
    projects: [{
      name: "my-app",
      repos: [{ full_name: "acme/web" }],
      pools: [{
        name: "warm",
        ami: "ami-0abcdef1234567890",
        instance_types: ["m5.large"],
        subnets: ["subnet-aaa111"],
        security_groups: ["sg-0123"],
        stopped_min: 1,
        stopped_max: 1,
      }],
    }],
  });
  try {
    let stopped: string;
    await t.step("a pool keeps one stopped instance: launched, prepared, stopped", async () => {
      const from = stack.ec2Emulator.calls.length;
      const [id] = await prepared(stack);
      stopped = id;
      const calls = actionsSince(stack, from, MUTATIONS);
      assert.deepEqual(calls.map((c) => c.action), ["CreateFleet", "StopInstances"]);
      assert.match(calls[0].params.ClientToken, /^s/);
      assert.equal(calls[1].params["InstanceId.1"], id);
      // A pool of one size hibernates its instances (shared/launch/standby_wait.ts).
      assert.equal(calls[1].params.Hibernate, "true");
      assert.equal(await standbyOf(stack, id), "stopped");
      const emulated = stack.ec2Emulator.instances().find((i) => i.instanceId === id)!;
      assert.equal(emulated.state, "stopped");
      assert.equal(emulated.tags["gantry:warm"], "stopped");
      // Ticks again: nothing more to launch.
      assert.deepEqual(await tick(stack), { launched: [], ready: [], retired: [] });
    });

    let jobId: string;
    await t.step("a job starts the stopped instance: StartInstances, no launch", async () => {
      const from = stack.ec2Emulator.calls.length;
      jobId = await stack.queue(LABELS);
      await eventually(
        "the job starting",
        async () => (await stack.states([jobId]))[jobId] === "starting",
        async () => JSON.stringify(await stack.states([jobId])),
      );
      const job = (await stack.store.job(jobId))!;
      assert.equal(job.instanceId, stopped);
      const calls = actionsSince(stack, from, MUTATIONS);
      assert.deepEqual(calls.map((c) => c.action), ["StartInstances"], "same size: no resize");
      assert.equal(calls[0].params["InstanceId.1"], stopped);
      assert.equal(await standbyOf(stack, stopped), "claimed");

      // It boots and fetches a fresh config, for this job, once.
      const first = await fetchConfig(stack, stopped);
      assert.equal(first.status, 200);
      assert.equal((await first.json()).runnerName, job.runnerName);
      const again = await fetchConfig(stack, stopped);
      assert.equal(again.status, 410);
      await again.body?.cancel();
      const runner = stack.github.runners().find((r) => r.runner.name === job.runnerName);
      assert.ok(runner, "the job's runner was registered when it started");
    });

    await t.step("after the job the instance is terminated and replaced", async () => {
      const from = stack.ec2Emulator.calls.length;
      await stack.complete(jobId, LABELS);
      const { launched } = await tick(stack);
      assert.equal(launched.length, 1);
      assert.notEqual(launched[0], stopped);
      const calls = actionsSince(stack, from, MUTATIONS);
      assert.deepEqual(calls.map((c) => c.action), ["TerminateInstances", "CreateFleet"]);
      assert.equal(calls[0].params["InstanceId.1"], stopped);
      assert.match(calls[1].params.ClientToken, /^s/);
      const [row] = await stack.db.select().from(instances).where(eq(instances.id, stopped));
      assert.notEqual(row.terminatedAt, null);
      await firstBoot(stack, launched[0]);
      assert.deepEqual((await tick(stack)).ready, launched);
      stopped = launched[0];
    });

    await t.step(
      "a hibernated instance starts at its own size, whatever the job wants",
      async () => {
        // The pool gained a size after its instance hibernated: EC2 cannot resize it.
        await stack.db.update(pools).set({ instanceTypes: ["m5.xlarge", "m5.large"] });
        const { id, calls } = await startOneJob(stack);
        assert.deepEqual(calls.map((c) => c.action), ["StartInstances"]);
        const emulated = stack.ec2Emulator.instances().find((i) => i.instanceId === stopped)!;
        assert.equal(emulated.instanceType, "m5.large");
        const [row] = await stack.db.select().from(instances).where(eq(instances.id, stopped));
        assert.equal(row.instanceType, "m5.large");
        assert.equal((await stack.store.job(id))!.instanceId, stopped);
      },
    );

    await t.step(
      "with no stopped instance free, jobs launch cold and wait for warm_pool_empty",
      async () => {
        const from = stack.ec2Emulator.calls.length;
        // The pool's one instance serves the last job; its replacement is not prepared yet.
        const ids = [await stack.queue(LABELS), await stack.queue(LABELS)];
        await eventually(
          "both starting",
          async () => Object.values(await stack.states(ids)).every((s) => s === "starting"),
          async () => JSON.stringify(await stack.states(ids)),
        );
        const calls = actionsSince(stack, from, MUTATIONS);
        assert.ok(
          calls.every((c) => c.action === "CreateFleet"),
          calls.map((c) => c.action).join(),
        );
        const capacity = calls.reduce(
          (n, c) => n + Number(c.params["TargetCapacitySpecification.TotalTargetCapacity"]),
          0,
        );
        assert.equal(capacity, 2, "one machine per job");
        for (const call of calls) assert.match(call.params.ClientToken, /^g/);
        const waits = await stack.db.select().from(jobWaits).where(
          and(inArray(jobWaits.jobId, ids), eq(jobWaits.reason, "warm_pool_empty")),
        );
        assert.deepEqual(waits.map((w) => w.jobId).sort(), [...ids].sort());
      },
    );

    await t.step(
      "two jobs never share a stopped instance; a replayed start starts the same one",
      async () => {
        await stack.db.update(pools).set({ instanceTypes: ["m5.large"] });
        const [ready] = await prepared(stack);
        const from = stack.ec2Emulator.calls.length;
        const ids = await Promise.all([stack.queue(LABELS), stack.queue(LABELS)]);
        await eventually(
          "both starting",
          async () => Object.values(await stack.states(ids)).every((s) => s === "starting"),
          async () => JSON.stringify(await stack.states(ids)),
        );
        const calls = actionsSince(stack, from, MUTATIONS);
        assert.deepEqual(
          calls.map((c) => c.action).sort(),
          ["CreateFleet", "StartInstances"],
          JSON.stringify(calls.map((c) => [c.action, c.params])),
        );
        const jobs = await Promise.all(ids.map((id) => stack.store.job(id)));
        const warm = jobs.find((job) => job!.instanceId === ready)!;
        assert.equal(jobs.filter((job) => job!.instanceId === ready).length, 1);

        // A crash after StartInstances, before the job was marked starting: the sweep resumes it.
        const replayFrom = stack.ec2Emulator.calls.length;
        await stack.client.execute({
          sql: "UPDATE jobs SET state = 'launching' WHERE id = ?",
          args: [warm.id],
        });
        await eventually(
          "the job starting again",
          async () => (await stack.states([warm.id]))[warm.id] === "starting",
        );
        const replay = actionsSince(stack, replayFrom, MUTATIONS);
        assert.deepEqual(replay.map((c) => [c.action, c.params["InstanceId.1"]]), [
          ["StartInstances", ready],
        ]);
        const again = (await stack.store.job(warm.id))!;
        assert.equal(again.instanceId, ready);
        // Its name was taken by the first try's registration: the replay registers under a fresh
        // one (as a replayed batch does), and the instance's books follow.
        assert.ok(again.runnerName!.startsWith(`${warm.runnerName}-`), again.runnerName!);
        const [row] = await stack.db.select().from(instances).where(eq(instances.id, ready));
        assert.equal(row.runnerName, again.runnerName);
      },
    );

    await t.step(
      "a `prepared` report for an instance not recorded yet fails, to be offered again",
      async () => {
        const from = stack.ec2Emulator.calls.length;
        await assert.rejects(
          stack.events.handle({
            type: "runner_event",
            deliveryId: "d-early",
            receivedAt: Date.now(),
            jobId: "standby",
            runnerName: "gantry-standby-i-0000000000000e4a1",
            instanceId: "i-0000000000000e4a1",
            kind: "prepared",
          }),
          /prepared: i-0000000000000e4a1 is not recorded yet/,
        );
        assert.deepEqual(actionsSince(stack, from, MUTATIONS), []);
      },
    );

    await t.step(
      "a pool of several sizes stops its instances plainly and resizes one before a start",
      async () => {
        await stack.db.update(pools).set({ instanceTypes: ["m5.xlarge", "m5.large"] });
        const prepareFrom = stack.ec2Emulator.calls.length;
        const [ready] = await prepared(stack);
        const stops = actionsSince(stack, prepareFrom, ["StopInstances"]);
        assert.deepEqual(stops.map((c) => [c.params["InstanceId.1"], c.params.Hibernate]), [
          [ready, undefined],
        ]);
        const { id, calls } = await startOneJob(stack);
        assert.deepEqual(calls.map((c) => c.action), [
          "ModifyInstanceAttribute",
          "StartInstances",
        ]);
        assert.equal(calls[0].params.InstanceId, ready);
        assert.equal(calls[0].params["InstanceType.Value"], "m5.xlarge");
        const [row] = await stack.db.select().from(instances).where(eq(instances.id, ready));
        assert.equal(row.instanceType, "m5.xlarge");
        assert.equal((await stack.store.job(id))!.instanceId, ready);
      },
    );
  } finally {
    await stack.close();
  }
});
