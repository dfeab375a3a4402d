import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";

/** The SDK error a rejected call produced, for asserting on name and HTTP status. */
async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new assert.AssertionError({ message: "expected the call to be rejected" });
}

Deno.test("throttle() makes every EC2 call fail with RequestLimitExceeded until it lifts", async () => {
  await withEmulator(async (emulator, ec2) => {
    emulator.faults.throttle(60_000);
    const error = await errorOf(ec2.send(new DescribeInstancesCommand({})));
    assert.equal(error.name, "RequestLimitExceeded");
    assert.equal(error.$metadata?.httpStatusCode, 503);
    assert.equal(emulator.calls[0].error, "RequestLimitExceeded");

    emulator.faults.throttle(0);
    const described = await ec2.send(new DescribeInstancesCommand({}));
    assert.deepEqual(described.Reservations, []);
  });
});

Deno.test("the SDK's standard retries ride out a short throttle", async () => {
  // The emulator's clock moves 100 ms per call it has answered, not with the wall clock:
  // a 50 ms throttle catches exactly the first attempt, however slow the machine.
  let answered = () => 0;
  await withEmulator(async (emulator, ec2) => {
    answered = () => emulator.calls.length;
    emulator.faults.throttle(50);
    await ec2.send(new DescribeInstancesCommand({}));
    assert.equal(emulator.calls.length, 2);
    assert.equal(emulator.calls[0].error, "RequestLimitExceeded");
    assert.equal(emulator.calls[1].error, undefined);
  }, { maxAttempts: 5, clock: () => answered() * 100 });
});

Deno.test("a capacity shortage fails RunInstances whole and fleets launch around it", async () => {
  await withEmulator(async (emulator, ec2) => {
    emulator.faults.insufficientCapacity({
      ms: 60_000,
      instanceTypes: ["c5.large"],
      azs: ["us-east-1a"],
    });
    const error = await errorOf(
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "c5.large",
          SubnetId: "subnet-a1",
          MinCount: 1,
          MaxCount: 1,
        }),
      ),
    );
    assert.equal(error.name, "InsufficientInstanceCapacity");
    assert.equal(error.$metadata?.httpStatusCode, 500);

    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "runner",
        LaunchTemplateData: { ImageId: AMI },
      }),
    );
    const fleet = await ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        LaunchTemplateConfigs: [{
          LaunchTemplateSpecification: {
            LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId,
            Version: "$Latest",
          },
          Overrides: [
            { InstanceType: "c5.large", SubnetId: "subnet-a1" },
            { InstanceType: "m5.large", SubnetId: "subnet-b1" },
          ],
        }],
        TargetCapacitySpecification: {
          TotalTargetCapacity: 2,
          DefaultTargetCapacityType: "on-demand",
        },
      }),
    );
    assert.equal(fleet.Errors?.length, 1);
    assert.equal(fleet.Errors?.[0].ErrorCode, "InsufficientInstanceCapacity");
    assert.equal(fleet.Errors?.[0].LaunchTemplateAndOverrides?.Overrides?.InstanceType, "c5.large");
    assert.equal(fleet.Instances?.[0].InstanceType, "m5.large");
    assert.equal(fleet.Instances?.[0].InstanceIds?.length, 2);
    assert.equal(emulator.instances().length, 2);
  });
});

Deno.test("a token bucket rejects launch calls beyond its burst but not describes", async () => {
  await withEmulator(async (emulator, ec2) => {
    emulator.faults.tokenBucket({ ratePerSecond: 0.001, burst: 2 });
    const launch = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
        }),
      );
    await launch();
    await launch();
    const error = await errorOf(launch());
    assert.equal(error.name, "RequestLimitExceeded");
    await ec2.send(new DescribeInstancesCommand({}));
    assert.equal(emulator.instances().length, 2);

    emulator.faults.tokenBucket(null);
    await launch();
    assert.equal(emulator.instances().length, 3);
  });
});

Deno.test("an interrupted spot instance shuts down with a spot termination reason", async () => {
  // The emulator's own clock: shutting down lasts exactly `shutdownMs` of it, whatever the load.
  let now = 1_800_000_000_000;
  await withEmulator(async (emulator, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        InstanceType: "m5.large",
        MinCount: 1,
        MaxCount: 1,
        InstanceMarketOptions: { MarketType: "spot" },
      }),
    );
    const instanceId = launched.Instances![0].InstanceId!;
    assert.equal(launched.Instances?.[0].InstanceLifecycle, "spot");
    emulator.faults.interruptSpot(instanceId);
    const describe = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })))
        .Reservations?.[0].Instances?.[0];

    const instance = await describe();
    assert.equal(instance?.State?.Name, "shutting-down");
    assert.equal(instance?.StateReason?.Code, "Server.SpotInstanceTermination");
    now += 19;
    assert.equal((await describe())?.State?.Name, "shutting-down", "1 ms before the end");
    now += 1;
    assert.equal((await describe())?.State?.Name, "terminated", "at the end");
  }, { shutdownMs: 20, clock: () => now });
});

Deno.test("faults, calls and state can be driven over the HTTP control plane", async () => {
  await withEmulator(async (emulator, ec2) => {
    const post = (path: string, body?: unknown) =>
      fetch(`${emulator.url}${path}`, {
        method: "POST",
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const throttled = await post("/_emulator/faults", { fault: "throttle", ms: 60_000 });
    assert.deepEqual(await throttled.json(), { ok: true });
    const error = await errorOf(ec2.send(new DescribeInstancesCommand({})));
    assert.equal(error.name, "RequestLimitExceeded");

    const invalid = await post("/_emulator/faults", { fault: "meteor" });
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error.code, "InvalidFault");

    await (await post("/_emulator/faults", { fault: "clear" })).body?.cancel();
    await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }));
    const calls = await (await fetch(`${emulator.url}/_emulator/calls?action=RunInstances`)).json();
    assert.equal(calls.length, 1);
    const instances = await (await fetch(`${emulator.url}/_emulator/instances`)).json();
    assert.equal(instances[0].imageId, AMI);

    const reset = await post("/_emulator/reset");
    assert.equal(reset.status, 204);
    assert.equal(emulator.instances().length, 0);
    assert.equal(emulator.calls.length, 0);
  });
});

Deno.test("a fault from the next launch opens its window at that call, which it already fails", async () => {
  let now = 1_000_000;
  await withEmulator(async (emulator, ec2) => {
    emulator.faults.throttle(3_000, { from: "next-launch" });
    emulator.faults.insufficientCapacity({ ms: 5_000, from: "next-launch" });
    now += 60_000; // However long the first launch takes to come.
    assert.deepEqual((await ec2.send(new DescribeInstancesCommand({}))).Reservations, []);
    const launch = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "t3.small",
          MinCount: 1,
          MaxCount: 1,
        }),
      );
    assert.equal((await errorOf(launch())).name, "RequestLimitExceeded");
    const opened = emulator.calls.find((c) => c.action === "RunInstances")!.at;
    assert.equal(opened, 1_060_000);
    now = opened + 2_999;
    assert.equal((await errorOf(launch())).name, "RequestLimitExceeded");
    now = opened + 3_000;
    assert.equal((await errorOf(launch())).name, "InsufficientInstanceCapacity");
    now = opened + 4_999;
    assert.equal((await errorOf(launch())).name, "InsufficientInstanceCapacity");
    now = opened + 5_000;
    assert.equal((await launch()).Instances?.length, 1);
  }, { clock: () => now });
});
