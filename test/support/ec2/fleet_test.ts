import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

async function createRunnerTemplate(ec2: EC2Client): Promise<string> {
  const created = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: "gantry-runner",
      LaunchTemplateData: { ImageId: "ami-0123456789abcdef0", SecurityGroupIds: ["sg-0a1b2c3d"] },
    }),
  );
  return created.LaunchTemplate!.LaunchTemplateId!;
}

/** An instant fleet of `capacity` over 2 instance types × 2 subnets, tagged for one job. */
function fleetRequest(launchTemplateId: string, capacity: number): CreateFleetCommandInput {
  return {
    Type: "instant",
    LaunchTemplateConfigs: [{
      LaunchTemplateSpecification: { LaunchTemplateId: launchTemplateId, Version: "$Latest" },
      Overrides: [
        { InstanceType: "m5.large", SubnetId: "subnet-a0000001", Priority: 1 },
        { InstanceType: "m5.large", SubnetId: "subnet-b0000002", Priority: 2 },
        { InstanceType: "c5.large", SubnetId: "subnet-a0000001", Priority: 3 },
        { InstanceType: "c5.large", SubnetId: "subnet-b0000002", Priority: 4 },
      ],
    }],
    TargetCapacitySpecification: {
      TotalTargetCapacity: capacity,
      DefaultTargetCapacityType: "on-demand",
    },
    OnDemandOptions: { AllocationStrategy: "lowest-price" },
    TagSpecifications: [{
      ResourceType: "instance",
      Tags: [{ Key: "gantry:job", Value: "job-1" }],
    }],
  };
}

Deno.test("an instant fleet launches its whole capacity and tags every instance", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const fleet = await ec2.send(new CreateFleetCommand(fleetRequest(templateId, 3)));
    assert.match(fleet.FleetId ?? "", /^fleet-/);
    assert.deepEqual(fleet.Errors, []);
    const ids = fleet.Instances?.flatMap((group) => group.InstanceIds ?? []) ?? [];
    assert.equal(ids.length, 3);
    // lowest-price: c5.large is cheaper than m5.large on demand.
    assert.equal(fleet.Instances?.[0].InstanceType, "c5.large");
    assert.equal(fleet.Instances?.[0].Lifecycle, "on-demand");

    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag:gantry:job", Values: ["job-1"] }] }),
    );
    const found = described.Reservations?.flatMap((reservation) => reservation.Instances ?? []);
    assert.deepEqual(found?.map((instance) => instance.InstanceId).sort(), ids.toSorted());
    const tags = found?.[0].Tags ?? [];
    assert.ok(tags.some((tag) => tag.Key === "aws:ec2:fleet-id" && tag.Value === fleet.FleetId));
    assert.deepEqual(found?.[0].SecurityGroups?.map((group) => group.GroupId), ["sg-0a1b2c3d"]);
  });
});

Deno.test("a repeated CreateFleet ClientToken returns the same instances and launches nothing new", async () => {
  await withEmulator(async (emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const request = { ...fleetRequest(templateId, 3), ClientToken: "lease-42" };
    const first = await ec2.send(new CreateFleetCommand(request));
    const second = await ec2.send(new CreateFleetCommand(request));
    assert.equal(second.FleetId, first.FleetId);
    assert.deepEqual(second.Instances?.[0].InstanceIds, first.Instances?.[0].InstanceIds);
    assert.equal(emulator.instances().length, 3);
    const fleetCalls = emulator.calls.filter((call) => call.action === "CreateFleet");
    assert.equal(fleetCalls.length, 2);
    assert.equal(fleetCalls[1].params.ClientToken, "lease-42");
  });
});

Deno.test("a prioritized spot fleet fills the highest-priority pool with spot instances", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const fleet = await ec2.send(
      new CreateFleetCommand({
        ...fleetRequest(templateId, 2),
        TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: "spot" },
        SpotOptions: { AllocationStrategy: "capacity-optimized-prioritized" },
      }),
    );
    assert.equal(fleet.Instances?.length, 1);
    assert.equal(fleet.Instances?.[0].Lifecycle, "spot");
    assert.equal(fleet.Instances?.[0].LaunchTemplateAndOverrides?.Overrides?.Priority, 1);
    assert.equal(fleet.Instances?.[0].InstanceIds?.length, 2);

    const described = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: fleet.Instances?.[0].InstanceIds }),
    );
    const instance = described.Reservations?.[0].Instances?.[0];
    assert.equal(instance?.InstanceLifecycle, "spot");
    assert.equal(instance?.Placement?.AvailabilityZone, "us-east-1a");
  });
});

Deno.test("a fleet override with a malformed AMI is reported in errorSet, not thrown", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const request = fleetRequest(templateId, 1);
    request.LaunchTemplateConfigs![0].Overrides = [{
      InstanceType: "t3.micro",
      ImageId: "ami-nope",
    }];
    const fleet = await ec2.send(new CreateFleetCommand(request));
    assert.deepEqual(fleet.Instances, []);
    assert.equal(fleet.Errors?.[0].ErrorCode, "InvalidAMIID.Malformed");
  });
});

// EC2 user guide, "EC2 Fleet quotas" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/fleet-quotas.html):
// a fleet cannot span different subnets from the same Availability Zone.
Deno.test("a fleet naming two subnets of one Availability Zone is refused whole", async () => {
  await withEmulator(async (emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const request = fleetRequest(templateId, 2);
    request.LaunchTemplateConfigs![0].Overrides = [
      { InstanceType: "m5.large", SubnetId: "subnet-a0000001" },
      { InstanceType: "m5.large", SubnetId: "subnet-a0000002" },
      { InstanceType: "m5.large", SubnetId: "subnet-b0000003" },
    ];
    await assert.rejects(ec2.send(new CreateFleetCommand(request)), (error: Error) => {
      assert.equal(error.name, "InvalidParameterValue");
      assert.match(error.message, /subnet-a0000001 and subnet-a0000002 are both in us-east-1a/);
      return true;
    });
    assert.deepEqual(emulator.instances(), []);

    // The same subnet under several instance types is one subnet, not two.
    request.LaunchTemplateConfigs![0].Overrides = [
      { InstanceType: "m5.large", SubnetId: "subnet-a0000001" },
      { InstanceType: "c5.large", SubnetId: "subnet-a0000001" },
      { InstanceType: "m5.large", SubnetId: "subnet-b0000003" },
    ];
    const fleet = await ec2.send(new CreateFleetCommand(request));
    assert.equal(fleet.Instances?.flatMap((group) => group.InstanceIds ?? []).length, 2);
  });
});

// "Error codes for the Amazon EC2 API" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html):
// UnfulfillableCapacity (no spare Spot capacity) and InsufficientFreeAddressesInSubnet.
Deno.test("fleet Errors[] carry the codes AWS documents: UnfulfillableCapacity, InsufficientFreeAddressesInSubnet", async () => {
  await withEmulator(async (emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    emulator.faults.spotShortage({ ms: 60_000 });
    const spot = fleetRequest(templateId, 1);
    spot.TargetCapacitySpecification!.DefaultTargetCapacityType = "spot";
    const refused = await ec2.send(new CreateFleetCommand(spot));
    assert.deepEqual(refused.Instances, []);
    assert.deepEqual(
      [...new Set(refused.Errors?.map((error) => error.ErrorCode))],
      ["UnfulfillableCapacity"],
    );
    assert.equal(refused.Errors?.length, 4, "one per pool");
    emulator.faults.clear();

    // Zone a's subnet is full: the fleet launches in zone b and says why it skipped a.
    emulator.faults.subnetAddresses("subnet-a0000001", 0);
    const request = fleetRequest(templateId, 3);
    request.LaunchTemplateConfigs![0].Overrides = [
      { InstanceType: "m5.large", SubnetId: "subnet-a0000001" },
      { InstanceType: "m5.large", SubnetId: "subnet-b0000002" },
    ];
    const fleet = await ec2.send(new CreateFleetCommand(request));
    assert.deepEqual(
      fleet.Errors?.map((error) => [
        error.ErrorCode,
        error.LaunchTemplateAndOverrides?.Overrides?.SubnetId,
      ]),
      [["InsufficientFreeAddressesInSubnet", "subnet-a0000001"]],
    );
    assert.deepEqual(fleet.Instances?.map((group) => group.InstanceIds?.length), [3]);
    assert.ok(emulator.instances().every((instance) => instance.subnetId === "subnet-b0000002"));
  });
});

// EC2 user guide, "Tag restrictions" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions):
// at most 50 tags per resource; aws: tags do not count.
Deno.test("a fleet whose instances would carry 51 tags is refused whole with TagLimitExceeded", async () => {
  await withEmulator(async (emulator, ec2) => {
    const templateId = await createRunnerTemplate(ec2);
    const request = fleetRequest(templateId, 1);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    request.TagSpecifications = [{ ResourceType: "instance", Tags: tags(51) }];
    await assert.rejects(ec2.send(new CreateFleetCommand(request)), (error: Error) => {
      assert.equal(error.name, "TagLimitExceeded");
      return true;
    });
    assert.deepEqual(emulator.instances(), []);

    // 50 of the caller's, plus the aws:ec2launchtemplate:* and aws:ec2:fleet-id EC2 adds: fine.
    request.TagSpecifications = [{ ResourceType: "instance", Tags: tags(50) }];
    const fleet = await ec2.send(new CreateFleetCommand(request));
    assert.equal(fleet.Instances?.[0].InstanceIds?.length, 1);
    const tagged = emulator.instances()[0].tags;
    assert.equal(Object.keys(tagged).filter((key) => !key.startsWith("aws:")).length, 50);
    assert.ok("aws:ec2:fleet-id" in tagged);
  });
});
