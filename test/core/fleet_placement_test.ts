/**
 * Fleet calls as Gantry sends them, against the EC2 emulator (which refuses a
 * fleet spanning two subnets of one zone, as EC2 does): one subnet per zone,
 * the one with free addresses, the fleet resource itself tagged, subnets
 * described once a minute, not once a call.
 */
import assert from "node:assert/strict";
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import { createLogger } from "../../core/log.ts";
import type { PoolSpec } from "../../core/providers/provider.ts";
import { placementsOf } from "../../shared/launch/batch.ts";
import { gantryTags } from "../../shared/tags.ts";
import { listStructs, parseTags } from "../support/ec2/protocol.ts";
import { pricingClientFor, withEmulator } from "../support/ec2/sdk_clients.ts";

const SPEC: PoolSpec = {
  id: "pool-zones",
  project: "my-app",
  name: "zoned",
  runnerPath: null,
  isSpot: false,
  ec2: {
    ami: "ami-0abcdef1234567890",
    instanceTypes: ["m5.large", "c5.large"],
    // Two private subnets in us-east-1a, one in us-east-1b (the emulator places subnet-a… in 1a).
    subnets: ["subnet-aaa111", "subnet-aaa222", "subnet-bbb333"],
    securityGroups: ["sg-0123"],
    instanceProfile: null,
    rootVolume: { sizeGb: 30, type: "gp3", iops: null, throughput: null },
    allocationStrategy: "lowest-price",
    spawn: "fleet",
  },
  tags: gantryTags({ project: "my-app", pool: "zoned" }),
  template: null,
};

Deno.test("a pool with two subnets in one zone launches: each fleet call carries one subnet per zone, the one with room", async () => {
  await withEmulator(async (emulator, ec2) => {
    const log = createLogger({ level: "error", format: "json" }, () => {});
    const pricing = pricingClientFor(emulator);
    let now = Date.now();
    const provider = new Ec2Provider({
      ec2,
      prices: new PriceQuoter({ region: "us-east-1", ec2, pricing, log }),
      log,
      now: () => now,
    });
    try {
      emulator.faults.subnetAddresses("subnet-aaa111", 0);
      const template = await provider.ensureTemplate(SPEC);
      const launch = (clientToken: string, count: number) =>
        provider.launch({
          pool: { ...SPEC, template },
          clientToken,
          count,
          placements: placementsOf(SPEC.ec2.instanceTypes, SPEC.ec2.subnets),
          userData: "#!/bin/sh\n",
          tags: { ...SPEC.tags, "gantry:repo": "acme/web" },
        });
      const outcome = await launch("zones-1", 4);
      assert.deepEqual(outcome.failures, []);
      assert.equal(outcome.machines.length, 4);
      assert.ok(outcome.machines.every((m) => m.slot !== "subnet-aaa111"), "the full subnet");

      const fleets = emulator.calls.filter((call) => call.action === "CreateFleet");
      assert.equal(fleets.length, 1);
      assert.equal(fleets[0].error, undefined);
      const overrides = listStructs(fleets[0].params, "LaunchTemplateConfigs.1.Overrides");
      assert.deepEqual(
        overrides.map((o) => `${o.InstanceType}@${o.SubnetId}`),
        [
          "m5.large@subnet-aaa222",
          "m5.large@subnet-bbb333",
          "c5.large@subnet-aaa222",
          "c5.large@subnet-bbb333",
        ],
      );
      // The fleet is a resource of its own, tagged at creation, so the IAM request-tag
      // condition on fleet/* holds.
      const specs = listStructs(fleets[0].params, "TagSpecification");
      const fleetSpec = specs.find((spec) => spec.ResourceType === "fleet");
      assert.deepEqual(parseTags(fleetSpec ?? {}, "Tag"), { "gantry:managed": "true" });

      // Within a minute the subnets are not described again; after it they are.
      await launch("zones-2", 1);
      const describes = () => emulator.calls.filter((c) => c.action === "DescribeSubnets").length;
      assert.equal(describes(), 1);
      now += 61_000;
      await launch("zones-3", 1);
      assert.equal(describes(), 2);
    } finally {
      pricing.destroy();
    }
  });
});
