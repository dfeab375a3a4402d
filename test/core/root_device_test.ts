/**
 * The root volume lands on the AMI's own root device: the provider reads
 * `RootDeviceName` with DescribeImages (once per AMI) and the launch template
 * maps that device with the pool's size, type, IOPS and throughput. Through
 * the unmodified SDK against the EC2 emulator, whose seeded images root on
 * `/dev/xvda` (Amazon Linux-like) and `/dev/sda1` (Ubuntu-like).
 */
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { Ec2Provider } from "../../core/providers/ec2/ec2_provider.ts";
import { PermanentError } from "../../core/providers/provider.ts";
import { PriceQuoter } from "../../core/providers/ec2/pricing.ts";
import { createLogger } from "../../core/log.ts";
import type { PoolSpec } from "../../core/providers/provider.ts";
import type { RootVolume } from "../../shared/root_volume.ts";
import { gantryTags } from "../../shared/tags.ts";
import { AMAZON_LINUX_AMI, UBUNTU_AMI } from "../support/ec2/images.ts";
import type { Ec2Emulator } from "../support/ec2/emulator.ts";
import { pricingClientFor, withEmulator } from "../support/ec2/sdk_clients.ts";

const GP3: RootVolume = { sizeGb: 30, type: "gp3", iops: null, throughput: null };

function specOf(id: string, ami: string, rootVolume: RootVolume = GP3): PoolSpec {
  return {
    id,
    project: "my-app",
    name: id,
    runnerPath: null,
    isSpot: false,
    ec2: {
      ami,
      instanceTypes: ["m5.large"],
      subnets: ["subnet-aaa111"],
      securityGroups: [],
      instanceProfile: null,
      rootVolume,
      allocationStrategy: "lowest-price",
      spawn: "fleet",
    },
    tags: gantryTags({ project: "my-app", pool: id }),
    template: null,
  };
}

async function mappingsOf(ec2: EC2Client, id: string) {
  const { LaunchTemplateVersions = [] } = await ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["$Default"] }),
  );
  return LaunchTemplateVersions[0]?.LaunchTemplateData?.BlockDeviceMappings;
}

const describeImagesCalls = (emulator: Ec2Emulator) =>
  emulator.calls.filter((call) => call.action === "DescribeImages").map((call) => call.params);

async function withProvider(
  body: (provider: Ec2Provider, emulator: Ec2Emulator, ec2: EC2Client) => Promise<void>,
) {
  await withEmulator(async (emulator, ec2) => {
    const log = createLogger({ level: "error", format: "json" }, () => {});
    const pricing = pricingClientFor(emulator);
    try {
      const prices = new PriceQuoter({ region: "us-east-1", ec2, pricing, log });
      await body(new Ec2Provider({ ec2, prices, log }), emulator, ec2);
    } finally {
      pricing.destroy();
    }
  });
}

Deno.test("an Amazon Linux pool's root volume maps /dev/xvda, with its type, IOPS and throughput", async () => {
  await withProvider(async (provider, _emulator, ec2) => {
    const made = await provider.ensureTemplate(
      specOf("al", AMAZON_LINUX_AMI, { sizeGb: 100, type: "gp3", iops: 6000, throughput: 500 }),
    );
    assert.deepEqual(await mappingsOf(ec2, made.id), [{
      DeviceName: "/dev/xvda",
      Ebs: {
        Encrypted: true,
        DeleteOnTermination: true,
        VolumeSize: 100,
        VolumeType: "gp3",
        Iops: 6000,
        Throughput: 500,
      },
    }]);
  });
});

Deno.test("an Ubuntu pool's root volume maps /dev/sda1; io2 carries its IOPS", async () => {
  await withProvider(async (provider, _emulator, ec2) => {
    const made = await provider.ensureTemplate(
      specOf("ubuntu", UBUNTU_AMI, { sizeGb: 50, type: "io2", iops: 20_000, throughput: null }),
    );
    assert.deepEqual(await mappingsOf(ec2, made.id), [{
      DeviceName: "/dev/sda1",
      Ebs: {
        Encrypted: true,
        DeleteOnTermination: true,
        VolumeSize: 50,
        VolumeType: "io2",
        Iops: 20_000,
      },
    }]);
  });
});

Deno.test("each AMI's root device is asked once, however many templates use it", async () => {
  await withProvider(async (provider, emulator) => {
    await provider.ensureTemplate(specOf("a", AMAZON_LINUX_AMI));
    await provider.ensureTemplate(specOf("b", AMAZON_LINUX_AMI, { ...GP3, sizeGb: 60 }));
    await provider.ensureTemplate(specOf("c", UBUNTU_AMI));
    await provider.ensureTemplate(specOf("a", AMAZON_LINUX_AMI, { ...GP3, sizeGb: 40 }));
    assert.deepEqual(describeImagesCalls(emulator).map((params) => params["ImageId.1"]), [
      AMAZON_LINUX_AMI,
      UBUNTU_AMI,
    ]);
  });
});

Deno.test("an AMI EC2 does not know fails the template permanently, and is asked again next time", async () => {
  await withProvider(async (provider, emulator) => {
    const unknown = specOf("gone", "ami-00000000000000000");
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(provider.ensureTemplate(unknown), (error: Error) => {
        assert.ok(error instanceof PermanentError, String(error));
        assert.match(error.message, /DescribeImages: InvalidAMIID\.NotFound/);
        return true;
      });
    }
    assert.equal(describeImagesCalls(emulator).length, 2, "a failed lookup is not cached");
    assert.equal(emulator.launchTemplates().length, 0, "no template for an unknown AMI");
  });
});
