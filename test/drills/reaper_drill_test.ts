/**
 * Fault drill (issue 6): an instance that never boots, one that runs past its
 * max runtime, and an orphan (tagged `gantry:managed`, unknown to the
 * database) are all reaped by the core's reaper, each with an audit event
 * naming its reason. Real processes: core, edge in workerd, libSQL, EC2
 * emulator, GitHub fake.
 */
import assert from "node:assert/strict";
import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { eventually, instancesPerJob, jobStates, startDrillStack } from "./drill_stack.ts";

const BOOT_TIMEOUT_SECONDS = 8;

async function launchOrphan(endpoint: string): Promise<string> {
  const ec2 = new EC2Client({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
  });
  try {
    const result = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-0abcdef1234567890",
        InstanceType: "t3.small",
        MinCount: 1,
        MaxCount: 1,
        SubnetId: "subnet-aaa111",
        TagSpecifications: [{
          ResourceType: "instance",
          Tags: [{ Key: "gantry:managed", Value: "true" }],
        }],
      }),
    );
    return result.Instances![0].InstanceId!;
  } finally {
    ec2.destroy();
  }
}

Deno.test("reaper drill: never booted, past max runtime and orphan instances are reaped and audited", async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    await stack.startCore("core-reaper", {
      scheduler: { reap_interval_seconds: 1, boot_timeout_seconds: BOOT_TIMEOUT_SECONDS },
      reconcile: { enabled: false },
    });
    const stateOf = async (id: string) => (await jobStates(stack.db)).get(id);
    const instanceOf = async (id: string) =>
      String(
        (await stack.db.execute({ sql: "SELECT instance_id FROM jobs WHERE id = ?", args: [id] }))
          .rows[0]?.instance_id,
      );

    // Past max runtime: a job running on a runner launched over an hour ago.
    const overdue = "7300001";
    await stack.post("queued", Number(overdue));
    await eventually(async () => (await stateOf(overdue)) === "starting", () => "overdue starts");
    const runner = (await stack.db.execute({
      sql: "SELECT runner_name FROM jobs WHERE id = ?",
      args: [overdue],
    })).rows[0].runner_name;
    await stack.post("in_progress", Number(overdue), String(runner));
    await eventually(async () => (await stateOf(overdue)) === "running", () => "overdue runs");
    await stack.db.execute({
      sql: "UPDATE instances SET launched_at = ? WHERE id = ?",
      args: [Date.now() - 61 * 60_000, await instanceOf(overdue)],
    });

    // Never boots: launched, its runner never calls back.
    const neverBoots = "7300002";
    await stack.post("queued", Number(neverBoots));
    await eventually(async () => (await stateOf(neverBoots)) === "starting", () => "launched");

    const orphan = await launchOrphan(stack.ec2.url);

    const expected = new Map([
      [await instanceOf(overdue), "max-runtime"],
      [await instanceOf(neverBoots), "never-started"],
      [orphan, "orphan"],
    ]);
    const audited = async () => {
      const rows = (await stack.db.execute(
        "SELECT target, payload FROM audit_events WHERE action = 'machine.terminate'",
      )).rows;
      return new Map(rows.map((r) => [String(r.target), JSON.parse(String(r.payload)).reason]));
    };
    await eventually(
      async () => (await audited()).size >= 3,
      async () => `audited so far: ${JSON.stringify([...await audited()])}`,
      (BOOT_TIMEOUT_SECONDS + 20) * 1000,
    );
    const seen = await audited();
    for (const [id, reason] of expected) assert.equal(seen.get(id), reason, `${id} audited`);
    for (const id of expected.keys()) {
      const state = stack.ec2.instances().find((i) => i.instanceId === id)?.state;
      assert.ok(["shutting-down", "terminated"].includes(String(state)), `${id} is ${state}`);
    }
    assert.equal(await stateOf(overdue), "reaped");
    assert.equal(instancesPerJob(stack.ec2).get(overdue)?.length, 1, "overdue: one launch");
    // GitHub still holds the never-booted job queued: it is launched again on a fresh machine.
    await eventually(
      () => instancesPerJob(stack.ec2).get(neverBoots)?.length === 2,
      async () => `never-booted job is ${await stateOf(neverBoots)}`,
    );
    const relaunched = String(await stateOf(neverBoots));
    assert.ok(["queued", "claimed", "launching", "starting"].includes(relaunched), relaunched);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
