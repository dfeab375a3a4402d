import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import {
  Bucket,
  type BucketLimit,
  RateLimits,
  requestBucketOf,
  resourceChargeOf,
} from "./rate_limits.ts";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";

Deno.test("a bucket starts full, spends whole requests and refills at its rate", () => {
  const bucket = new Bucket({ capacity: 5, refillPerSecond: 2 }, 0);
  assert.equal(bucket.take(5, 0), true);
  assert.equal(bucket.take(1, 0), false);
  assert.equal(bucket.take(1, 499), false, "half a second refills one token, not sooner");
  assert.equal(bucket.take(1, 500), true);
  assert.equal(bucket.take(2, 1_000), false, "all or none: one token is there, two are asked");
  assert.equal(bucket.tokensAt(1_000), 1);
  assert.equal(bucket.tokensAt(60_000), 5, "never more than its capacity");
});

Deno.test("a request for more tokens than the bucket holds spends none", () => {
  const bucket = new Bucket({ capacity: 1000, refillPerSecond: 2 }, 0);
  assert.equal(bucket.take(1001, 0), false);
  assert.equal(bucket.take(1000, 0), true);
});

const REQUEST_BUCKETS: [action: string, params: Record<string, string>, BucketLimit][] = [
  ["RunInstances", { MinCount: "1", MaxCount: "1" }, { capacity: 5, refillPerSecond: 2 }],
  ["CreateFleet", {}, { capacity: 50, refillPerSecond: 5 }],
  ["TerminateInstances", {}, { capacity: 100, refillPerSecond: 5 }],
  ["CreateTags", {}, { capacity: 100, refillPerSecond: 10 }],
  ["CreateLaunchTemplateVersion", {}, { capacity: 100, refillPerSecond: 5 }],
  ["DeleteLaunchTemplateVersions", {}, { capacity: 50, refillPerSecond: 5 }],
  ["DescribeSubnets", {}, { capacity: 100, refillPerSecond: 20 }],
  ["DescribeInstances", {}, { capacity: 50, refillPerSecond: 10 }],
  ["DescribeInstances", { "InstanceId.1": "i-1" }, { capacity: 100, refillPerSecond: 20 }],
  ["DescribeInstances", { "Filter.1.Name": "tag:x" }, { capacity: 100, refillPerSecond: 20 }],
  ["DescribeInstances", { MaxResults: "100" }, { capacity: 100, refillPerSecond: 20 }],
];

Deno.test("each action draws on the request bucket the EC2 docs give its category", () => {
  for (const [action, params, limit] of REQUEST_BUCKETS) {
    assert.deepEqual(
      requestBucketOf(action, params).limit,
      limit,
      `${action} ${JSON.stringify(params)}`,
    );
  }
  assert.notEqual(
    requestBucketOf("DescribeInstances", {}).name,
    requestBucketOf("DescribeInstances", { "Filter.1.Name": "x" }).name,
    "unfiltered describes have a bucket of their own",
  );
});

Deno.test("launches charge the RunInstances resource bucket per instance; terminations their own", () => {
  const run = resourceChargeOf("RunInstances", { MinCount: "3", MaxCount: "3" });
  assert.deepEqual(run, {
    name: "RunInstances",
    limit: { capacity: 1000, refillPerSecond: 2 },
    count: 3,
  });
  const fleet = resourceChargeOf("CreateFleet", {
    "TargetCapacitySpecification.TotalTargetCapacity": "250",
  });
  assert.equal(fleet?.name, "RunInstances");
  assert.equal(fleet?.count, 250);
  const terminate = resourceChargeOf("TerminateInstances", {
    "InstanceId.1": "i-1",
    "InstanceId.2": "i-2",
  });
  assert.deepEqual(terminate, {
    name: "TerminateInstances",
    limit: { capacity: 1000, refillPerSecond: 20 },
    count: 2,
  });
  assert.equal(resourceChargeOf("DescribeInstances", {}), undefined);
});

Deno.test("1,000 instances launch at once in any number of calls; then 2 a second", () => {
  const limits = new RateLimits();
  const fleet = (count: number) => ({
    "TargetCapacitySpecification.TotalTargetCapacity": String(count),
  });
  const at = (now: number) => ({ now, isReplay: false });
  for (let i = 0; i < 4; i++) limits.admit("CreateFleet", fleet(250), at(0));
  assert.throws(() => limits.admit("CreateFleet", fleet(1), at(0)), /Request limit exceeded/);
  assert.throws(() => limits.admit("CreateFleet", fleet(3), at(1_000)), /Request limit exceeded/);
  limits.admit("CreateFleet", fleet(2), at(1_000));
  // A replay of a call already answered launches nothing and spends no instance tokens.
  limits.admit("CreateFleet", fleet(250), { now: 1_000, isReplay: true });
});

Deno.test("the fifth RunInstances in a burst is its last; the sixth waits for the refill", () => {
  const limits = new RateLimits();
  const one = { MinCount: "1", MaxCount: "1" };
  for (let i = 0; i < 5; i++) limits.admit("RunInstances", one, { now: 0, isReplay: false });
  assert.throws(() => limits.admit("RunInstances", one, { now: 0, isReplay: false }));
  limits.admit("RunInstances", one, { now: 500, isReplay: false });
  // Other actions have buckets of their own.
  limits.admit("DescribeSubnets", {}, { now: 500, isReplay: false });
});

Deno.test("switched off, nothing is throttled; switched back on, every bucket is full", () => {
  const limits = new RateLimits("off");
  const one = { MinCount: "1", MaxCount: "1" };
  for (let i = 0; i < 50; i++) limits.admit("RunInstances", one, { now: 0, isReplay: false });
  limits.setMode("aws");
  for (let i = 0; i < 5; i++) limits.admit("RunInstances", one, { now: 0, isReplay: false });
  assert.throws(() => limits.admit("RunInstances", one, { now: 0, isReplay: false }));
});

/** The SDK error a rejected call produced. */
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

Deno.test("by default the emulator throttles a sixth RunInstances as EC2 does (503, RequestLimitExceeded)", async () => {
  await withEmulator(async (emulator, ec2) => {
    const launch = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
        }),
      );
    for (let i = 0; i < 5; i++) await launch();
    const error = await errorOf(launch());
    assert.equal(error.name, "RequestLimitExceeded");
    assert.equal(error.message, "Request limit exceeded.");
    assert.equal(error.$metadata?.httpStatusCode, 503);
    assert.equal(emulator.calls.at(-1)?.error, "RequestLimitExceeded");
    assert.equal(emulator.instances().length, 5);
    // Describes draw on their own bucket.
    await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:x", Values: ["y"] }] }));
  }, { clock: () => 0 });
});

Deno.test("fleets of more instances than the RunInstances resource bucket holds are throttled", async () => {
  await withEmulator(async (emulator, ec2) => {
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "burst",
        LaunchTemplateData: { ImageId: AMI },
      }),
    );
    const fleet = (count: number) =>
      ec2.send(
        new CreateFleetCommand({
          Type: "instant",
          LaunchTemplateConfigs: [{
            LaunchTemplateSpecification: {
              LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId,
              Version: "1",
            },
            Overrides: [{ InstanceType: "m5.large", SubnetId: "subnet-aaa111" }],
          }],
          TargetCapacitySpecification: {
            TotalTargetCapacity: count,
            DefaultTargetCapacityType: "on-demand",
          },
        }),
      );
    await fleet(600);
    await fleet(400);
    const error = await errorOf(fleet(1));
    assert.equal(error.name, "RequestLimitExceeded");
    assert.equal(emulator.instances().length, 1000);
  }, { clock: () => 0 });
});

Deno.test("rateLimits: off lifts every limit; the control route switches them back on", async () => {
  await withEmulator(async (emulator, ec2) => {
    const launch = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
        }),
      );
    for (let i = 0; i < 10; i++) await launch();
    const response = await fetch(`${emulator.url}/_emulator/rate-limits`, {
      method: "POST",
      body: JSON.stringify({ mode: "aws" }),
    });
    assert.deepEqual(await response.json(), { ok: true });
    for (let i = 0; i < 5; i++) await launch();
    assert.equal((await errorOf(launch())).name, "RequestLimitExceeded");
    const bad = await fetch(`${emulator.url}/_emulator/rate-limits`, {
      method: "POST",
      body: JSON.stringify({ mode: "sometimes" }),
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  }, { clock: () => 0, rateLimits: "off" });
});
