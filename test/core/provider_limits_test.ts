/**
 * The EC2 provider within EC2's limits, against the emulator that enforces
 * them: TerminateInstances takes at most 1,000 ids and fails whole on one
 * unknown id (TerminateInstances API reference); DescribeInstances is read in
 * pages (DescribeInstances API reference, MaxResults/NextToken).
 */
import assert from "node:assert/strict";
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { createLogger } from "../../core/log.ts";
import { startEc2Emulator } from "../support/ec2/emulator.ts";
import { ec2ProviderFor } from "../support/ec2_provider.ts";

async function withProvider(
  body: (
    emulator: Awaited<ReturnType<typeof startEc2Emulator>>,
    aws: ReturnType<typeof ec2ProviderFor>,
  ) => Promise<void>,
  clock?: () => number,
) {
  const emulator = await startEc2Emulator({
    clock,
    consistency: { newIdMs: 60_000 },
    // 1,001 instances at once: the id and page limits, not AWS's call rate.
    rateLimits: "off",
  });
  const aws = ec2ProviderFor(emulator, createLogger({ level: "error", format: "json" }, () => {}));
  try {
    await body(emulator, aws);
  } finally {
    aws.destroy();
    await emulator.close();
  }
}

async function launch(
  aws: ReturnType<typeof ec2ProviderFor>,
  count: number,
): Promise<string[]> {
  const result = await aws.ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "t3.small",
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

Deno.test("terminating 1,001 instances takes two calls of at most 1,000 ids", async () => {
  let now = Date.UTC(2026, 0, 1);
  await withProvider(async (emulator, aws) => {
    const ids = await launch(aws, 1_001);
    now += 60_000;
    assert.deepEqual(await aws.provider.terminate(ids), { notFound: [] });
    const calls = emulator.calls.filter((call) => call.action === "TerminateInstances");
    assert.deepEqual(
      calls.map((call) =>
        Object.keys(call.params).filter((k) => k.startsWith("InstanceId")).length
      ),
      [1_000, 1],
    );
    assert.equal(emulator.instances().filter((i) => i.state === "running").length, 0);
  }, () => now);
});

Deno.test("an id EC2 does not know yet comes back as not found, and the others are terminated", async () => {
  let now = Date.UTC(2026, 0, 1);
  await withProvider(async (emulator, aws) => {
    const old = await launch(aws, 2);
    now += 60_000;
    const [fresh] = await launch(aws, 1);
    const outcome = await aws.provider.terminate([old[0], fresh, old[1]]);
    assert.deepEqual(outcome, { notFound: [fresh] });
    const states = new Map(emulator.instances().map((i) => [i.instanceId, i.state]));
    assert.equal(states.get(old[0]), "terminated");
    assert.equal(states.get(old[1]), "terminated");
    assert.equal(states.get(fresh), "running", "NotFound is no proof it is gone");
  }, () => now);
});

Deno.test("listing managed instances and describing many ids read DescribeInstances in pages", async () => {
  let now = Date.UTC(2026, 0, 1);
  await withProvider(async (emulator, aws) => {
    const ids = await launch(aws, 1_005);
    now += 60_000;
    const managed = await aws.provider.listManaged();
    assert.equal(managed.length, 1_005);
    assert.equal(new Set(managed.map((m) => m.id)).size, 1_005);
    const listings = emulator.calls.filter((call) => call.action === "DescribeInstances");
    assert.deepEqual(listings.map((call) => call.params.MaxResults), ["1000", "1000"]);
    assert.equal(listings[1].params.NextToken !== undefined, true);

    emulator.calls.length = 0;
    const states = await aws.provider.describe(ids.slice(0, 250));
    assert.equal(states.filter((s) => s.state === "running").length, 250);
    const describes = emulator.calls.filter((call) => call.action === "DescribeInstances");
    assert.deepEqual(describes.map((call) => call.params.MaxResults), ["1000", "1000"]);
  }, () => now);
});
