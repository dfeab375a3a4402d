/**
 * The launch path against real parts (libSQL server, EC2 emulator over the
 * SDK, GitHub fake, edge in workerd): burst batching, caps, capacity-aware
 * retries and permanent errors.
 */
import assert from "node:assert/strict";
import { asc, eq, inArray } from "drizzle-orm";
import type { JobStage } from "../../shared/job_stages.ts";
import { jobStages, jobWaits } from "../../shared/db/schema.ts";
import { assertNeverWithin } from "../support/never.ts";
import { eventually, startLaunchStack } from "../support/launch_stack.ts";

type LaunchStack = Awaited<ReturnType<typeof startLaunchStack>>;

/** The waits recorded for `ids`: [job, reason, count]. */
async function waitsOf(stack: LaunchStack, ids: string[]) {
  const rows = await stack.db.select().from(jobWaits).where(inArray(jobWaits.jobId, ids))
    .orderBy(asc(jobWaits.jobId), asc(jobWaits.reason));
  return rows.map((row) => [row.jobId, row.reason, row.count]);
}

/** The stages recorded for `id`, by name. */
async function stagesOf(stack: LaunchStack, id: string) {
  const rows = await stack.db.select().from(jobStages).where(eq(jobStages.jobId, id));
  return Object.fromEntries(rows.map((row) => [row.stage, row.at])) as Partial<
    Record<JobStage, number>
  >;
}

const pool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ami: "ami-0abcdef1234567890",
  instance_types: ["m5.large", "m5.xlarge"],
  subnets: ["subnet-aaa111", "subnet-bbb222"],
  security_groups: ["sg-0123"],
  ...extra,
});
const labels = (name: string, ...more: string[]) => ["self-hosted", "my-app", name, ...more];

Deno.test("the launch path", async (t) => {
  const stack = await startLaunchStack({
    projects: [{
      name: "my-app",
      repos: [{ full_name: "acme/web" }],
      pools: [
        pool("burst"),
        pool("capped", { cap: 2 }),
        pool("single", { spawn: "run_instances", instance_types: ["c5.large"] }),
        pool("badsg", { security_groups: ["sg-nothex"] }),
        pool("spotty", { spot: true, instance_types: ["t3.small"] }),
      ],
    }],
  });
  let isPassing = false;
  try {
    await t.step(
      "a burst for one pool launches in one CreateFleet; a pinned job gets its own",
      async () => {
        const before = stack.launchCalls().length;
        const ids = await Promise.all(
          Array.from({ length: 6 }, () => stack.queue(labels("burst"))),
        );
        const pinned = await stack.queue(labels("burst", "gantry-run=4242"));
        await eventually(
          "every job starting",
          async () =>
            Object.values(await stack.states([...ids, pinned])).every((s) => s === "starting"),
          async () => JSON.stringify(await stack.states([...ids, pinned])),
        );
        const calls = stack.launchCalls().slice(before);
        assert.equal(calls.length, 2, calls.map((c) => c.params.ClientToken).join(", "));
        const capacities = calls.map((c) =>
          c.params["TargetCapacitySpecification.TotalTargetCapacity"]
        );
        assert.deepEqual(capacities.sort(), ["1", "6"]);
        for (const call of calls) {
          assert.equal(call.action, "CreateFleet");
          assert.equal(call.params.Type, "instant");
        }
        const jobs = await Promise.all([...ids, pinned].map((id) => stack.store.job(id)));
        const instances = new Set(jobs.map((job) => job!.instanceId));
        assert.equal(instances.size, 7, "one instance per job");
        const batchTokens = new Set(jobs.slice(0, 6).map((job) => job!.launchClientToken));
        assert.equal(batchTokens.size, 1, "the six share one batch token, recorded on each");

        // Each instance fetches its own runner config with the batch token, once.
        const job = jobs[0]!;
        const token = await stack.vault.batchToken({
          batchId: job.launchClientToken!,
          issuedAt: Date.now(),
          ttlSeconds: 60,
        });
        const fetchConfig = () =>
          fetch(`${stack.edge.url}/runner/v1/config`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ instanceId: job.instanceId }),
          });
        const first = await fetchConfig();
        assert.equal(first.status, 200);
        assert.equal((await first.json()).runnerName, job.runnerName);
        const again = await fetchConfig();
        assert.equal(again.status, 410);
        await again.body?.cancel();
      },
    );

    await t.step("jobs over the pool cap wait in order and launch as slots free", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await stack.queue(labels("capped")));
      await eventually(
        "two starting, two queued",
        async () => {
          const states = await stack.states(ids);
          return states[ids[0]] === "starting" && states[ids[1]] === "starting";
        },
        async () => JSON.stringify(await stack.states(ids)),
      );
      // The two over the cap must not launch: watched for a bounded while, not slept through.
      await assertNeverWithin("a job over the cap left the queue", 1_000, async () => {
        const waiting = await stack.states(ids.slice(2));
        return Object.values(waiting).every((state) => state === "queued")
          ? null
          : JSON.stringify(waiting);
      });
      assert.deepEqual(Object.values(await stack.states(ids.slice(2))), ["queued", "queued"]);
      await stack.complete(ids[0], labels("capped"));
      await eventually(
        "the oldest waiting job launches when a slot frees",
        async () => (await stack.states([ids[2]]))[ids[2]] === "starting",
        async () => JSON.stringify(await stack.states(ids)),
      );
      assert.equal((await stack.states([ids[3]]))[ids[3]], "queued", "still over the cap");
      await stack.complete(ids[1], labels("capped"));
      await eventually(
        "the last one launches",
        async () => (await stack.states([ids[3]]))[ids[3]] === "starting",
      );
      // Where their wait went: the two over the cap waited for it, once each; every launch call
      // was stamped as sent and answered.
      assert.deepEqual(await waitsOf(stack, ids), [
        [ids[2], "cap", 1],
        [ids[3], "cap", 1],
      ]);
      for (const id of ids) {
        const stages = await stagesOf(stack, id);
        assert.ok(
          stages.launch_sent !== undefined && stages.launch_answered! >= stages.launch_sent,
          `${id}: ${JSON.stringify(stages)}`,
        );
      }
    });

    await t.step("no capacity: back off and retry in another subnet (RunInstances)", async () => {
      stack.ec2Emulator.faults.insufficientCapacity({ ms: 60_000, azs: ["us-east-1a"] });
      const before = stack.ec2Emulator.calls.length;
      const id = await stack.queue(labels("single"));
      await eventually(
        "launched elsewhere",
        async () => (await stack.states([id]))[id] === "starting",
        () => stack.lines.slice(-20).join("\n"),
      );
      const runs = stack.ec2Emulator.calls.slice(before).filter((c) => c.action === "RunInstances");
      // EC2 answers InsufficientInstanceCapacity with a 5xx, which the SDK itself retries a few
      // times (same token); then the launcher backs off and makes a new attempt elsewhere.
      const attempts = [...new Set(runs.map((c) => c.params.ClientToken))];
      assert.equal(attempts.length, 2, attempts.join(", "));
      const first = runs.filter((c) => c.params.ClientToken === attempts[0]);
      const second = runs.filter((c) => c.params.ClientToken === attempts[1]);
      assert.ok(first.every((c) => c.error === "InsufficientInstanceCapacity"));
      assert.ok(first.every((c) => c.params.SubnetId === "subnet-aaa111"));
      assert.equal(first[0].params.MinCount, "1");
      assert.deepEqual(second.map((c) => [c.error, c.params.SubnetId]), [
        [undefined, "subnet-bbb222"],
      ], "the failed subnet is left out");
      const transitions = await stack.store.transitionsOf(id);
      assert.ok(
        transitions.some((tr) => tr.toState === "queued" && /no capacity/.test(tr.reason ?? "")),
      );
      assert.deepEqual(await waitsOf(stack, [id]), [[id, "capacity", 1]]);
      stack.ec2Emulator.faults.clear();
    });

    await t.step("a fleet spreads past an Unsupported zone in one call", async () => {
      stack.ec2Emulator.faults.unsupported({
        ms: 60_000,
        instanceTypes: ["m5.large"],
        azs: ["us-east-1a"],
      });
      const id = await stack.queue(labels("burst"));
      await eventually("starting", async () => (await stack.states([id]))[id] === "starting");
      const job = await stack.store.job(id);
      const instance = stack.ec2Emulator.instances().find((i) => i.instanceId === job!.instanceId)!;
      assert.ok(
        !(instance.instanceType === "m5.large" && instance.availabilityZone === "us-east-1a"),
      );
      stack.ec2Emulator.faults.clear();
    });

    await t.step("spot UnfulfillableCapacity: retried after a backoff", async () => {
      stack.ec2Emulator.faults.spotShortage({ ms: 1_500 });
      const id = await stack.queue(labels("spotty"));
      await eventually("starting", async () => (await stack.states([id]))[id] === "starting");
      const fleets = stack.ec2Emulator.calls.filter((c) =>
        c.action === "CreateFleet" &&
        c.params["TargetCapacitySpecification.DefaultTargetCapacityType"] === "spot"
      );
      assert.ok(fleets.length >= 2, `retried: ${fleets.length} calls`);
      const transitions = await stack.store.transitionsOf(id);
      assert.ok(transitions.some((tr) => /UnfulfillableCapacity/.test(tr.reason ?? "")));
      const job = await stack.store.job(id);
      assert.ok(job!.launchAttempts >= 2);
    });

    await t.step("a permanent error fails the job fast with EC2's text", async () => {
      const id = await stack.queue(labels("badsg"));
      await eventually("failed", async () => (await stack.states([id]))[id] === "failed");
      const job = await stack.store.job(id);
      assert.match(job!.failureReason ?? "", /InvalidGroup\.NotFound/);
      assert.match(job!.failureReason ?? "", /sg-nothex/);
      assert.equal(job!.launchAttempts, 1, "not retried");
    });
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.lines.slice(-40).join("\n"));
    await stack.close();
  }
});
