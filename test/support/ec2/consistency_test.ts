/**
 * The emulator's EC2 rules on consistency and limits, each pinned against
 * the AWS page it follows:
 *
 * - "Eventual consistency in the Amazon EC2 API", EC2 developer guide
 *   (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html);
 * - TerminateInstances, EC2 API reference
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html);
 * - DescribeInstances, EC2 API reference
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
 *
 * The emulator runs on a hand-stepped clock, so no test sleeps.
 */
import {
  DescribeInstancesCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A clock a test moves by hand. */
function manualClock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function launch(ec2: EC2Client, count = 1): Promise<string[]> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: AMI,
      InstanceType: "t3.micro",
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [{
        ResourceType: "instance",
        Tags: [{ Key: "gantry:managed", Value: "true" }],
      }],
    }),
  );
  return result.Instances!.map((instance) => instance.InstanceId!);
}

async function errorNameOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return "no error";
}

async function statesOf(ec2: EC2Client, filterIds?: string[]): Promise<Map<string, string>> {
  const page = await ec2.send(
    new DescribeInstancesCommand(
      filterIds ? { Filters: [{ Name: "instance-id", Values: filterIds }] } : {},
    ),
  );
  return new Map(
    (page.Reservations ?? []).flatMap((reservation) =>
      (reservation.Instances ?? []).map((i) => [i.InstanceId!, i.State!.Name!] as const)
    ),
  );
}

Deno.test("eventual consistency (EC2 developer guide): a new id is InvalidInstanceID.NotFound in DescribeInstances until the lag passes", async () => {
  const clock = manualClock();
  await withEmulator(async (_emulator, ec2) => {
    const [id] = await launch(ec2);
    clock.advance(1_999);
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))),
      "InvalidInstanceID.NotFound",
    );
    // A filter does not fail: the instance is simply not listed yet.
    assert.deepEqual([...(await statesOf(ec2, [id])).keys()], []);
    assert.deepEqual([...(await statesOf(ec2)).keys()], []);
    clock.advance(1);
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    assert.equal(described.Reservations?.[0].Instances?.[0].State?.Name, "running");
  }, { clock: clock.now, consistency: { newIdMs: 2_000 } });
});

Deno.test("eventual consistency (EC2 developer guide): TerminateInstances on a new id is NotFound and the instance keeps running", async () => {
  const clock = manualClock();
  await withEmulator(async (emulator, ec2) => {
    const [id] = await launch(ec2);
    clock.advance(500);
    assert.equal(
      await errorNameOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }))),
      "InvalidInstanceID.NotFound",
    );
    assert.equal(emulator.instances().find((i) => i.instanceId === id)?.state, "running");
  }, { clock: clock.now, consistency: { newIdMs: 2_000 } });
});

Deno.test("eventual consistency (EC2 developer guide): after TerminateInstances, Describe still shows the old state for a while", async () => {
  const clock = manualClock();
  await withEmulator(async (emulator, ec2) => {
    const [id] = await launch(ec2);
    clock.advance(10_000);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    clock.advance(1_000);
    assert.equal(emulator.instances()[0].state, "terminated");
    assert.equal((await statesOf(ec2)).get(id), "running");
    clock.advance(500);
    assert.equal((await statesOf(ec2)).get(id), "terminated");
  }, { clock: clock.now, consistency: { staleStateMs: 1_500 } });
});

Deno.test("DescribeInstances API reference: a terminated instance stays listed for a while, then is NotFound", async () => {
  const clock = manualClock();
  await withEmulator(async (emulator, ec2) => {
    const [id] = await launch(ec2);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    clock.advance(59_999);
    assert.equal((await statesOf(ec2)).get(id), "terminated");
    clock.advance(1);
    assert.deepEqual([...(await statesOf(ec2)).keys()], []);
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))),
      "InvalidInstanceID.NotFound",
    );
    // The truth keeps it, so tests can still judge what happened.
    assert.equal(emulator.instances()[0].state, "terminated");
  }, { clock: clock.now, consistency: { terminatedVisibleMs: 60_000 } });
});

Deno.test("consistency lag can be turned on at run time over the control plane", async () => {
  const clock = manualClock();
  await withEmulator(async (emulator, ec2) => {
    const bad = await fetch(`${emulator.url}/_emulator/consistency`, {
      method: "POST",
      body: JSON.stringify({ newIdMs: -1 }),
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const set = await fetch(`${emulator.url}/_emulator/consistency`, {
      method: "POST",
      body: JSON.stringify({ newIdMs: 5_000, terminatedVisibleMs: null }),
    });
    assert.equal(set.status, 200);
    await set.body?.cancel();
    const [id] = await launch(ec2);
    clock.advance(4_000);
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))),
      "InvalidInstanceID.NotFound",
    );
  }, { clock: clock.now });
});

Deno.test("TerminateInstances API reference: at most 1,000 ids per call", async () => {
  await withEmulator(async (emulator, ec2) => {
    const ids = await launch(ec2, 1_001);
    assert.equal(
      await errorNameOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }))),
      "InvalidParameterValue",
    );
    assert.equal(emulator.instances().filter((i) => i.state === "running").length, 1_001);
    const done = await ec2.send(
      new TerminateInstancesCommand({ InstanceIds: ids.slice(0, 1_000) }),
    );
    assert.equal(done.TerminatingInstances?.length, 1_000);
    // 1,001 instances at once is past EC2's RunInstances resource bucket (1,000): this
    // test is about the id cap, so it runs without the rate limits.
  }, { rateLimits: "off" });
});

Deno.test("TerminateInstances API reference: one unknown id fails the whole call and terminates none", async () => {
  await withEmulator(async (emulator, ec2) => {
    const ids = await launch(ec2, 3);
    const unknown = "i-0000000000000dead";
    let message = "";
    try {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids, unknown] }));
    } catch (error) {
      assert.equal((error as Error).name, "InvalidInstanceID.NotFound");
      message = (error as Error).message;
    }
    assert.equal(message, `The instance ID '${unknown}' does not exist`);
    assert.deepEqual(emulator.instances().map((i) => i.state), ["running", "running", "running"]);
  });
});

Deno.test("DescribeInstances API reference: MaxResults pages with NextToken, each instance once", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const ids = await launch(ec2, 12);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken }));
      const onPage = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      pageSizes.push(onPage.length);
      seen.push(...onPage.map((i) => i.InstanceId!));
      NextToken = page.NextToken;
    } while (NextToken);
    assert.deepEqual(pageSizes, [5, 5, 2]);
    assert.deepEqual(seen.toSorted(), ids.toSorted());
  });
});

Deno.test("DescribeInstances API reference: MaxResults is 5 to 1000 and cannot be combined with InstanceIds", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const [id] = await launch(ec2);
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 }))),
      "InvalidParameterValue",
    );
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 }))),
      "InvalidParameterValue",
    );
    assert.equal(
      await errorNameOf(
        ec2.send(new DescribeInstancesCommand({ InstanceIds: [id], MaxResults: 5 })),
      ),
      "InvalidParameterCombination",
    );
    assert.equal(
      await errorNameOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: "x" }))),
      "InvalidParameterValue",
    );
    const whole = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000 }));
    assert.equal(whole.NextToken, undefined);
    assert.equal(whole.Reservations?.[0].Instances?.[0].InstanceId, id);
  });
});
