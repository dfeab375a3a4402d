import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";

/** Asserts the SDK rejected with this EC2 error code (the SDK error's `name`). */
async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, code);
    return true;
  });
}

Deno.test("a launch template gains a version and a new default, and its name stays unique", async () => {
  await withEmulator(async (emulator, ec2) => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "gantry-runner",
        LaunchTemplateData: { ImageId: AMI, InstanceType: "t3.micro", UserData: "IyEvYmluL3No" },
        TagSpecifications: [{
          ResourceType: "launch-template",
          Tags: [{ Key: "pool", Value: "default" }],
        }],
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId;
    assert.match(id ?? "", /^lt-[0-9a-f]{17}$/);
    assert.equal(created.LaunchTemplate?.DefaultVersionNumber, 1);
    assert.equal(created.LaunchTemplate?.LatestVersionNumber, 1);

    const version = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: id,
        SourceVersion: "1",
        LaunchTemplateData: { InstanceType: "m5.large" },
      }),
    );
    assert.equal(version.LaunchTemplateVersion?.VersionNumber, 2);
    assert.equal(version.LaunchTemplateVersion?.LaunchTemplateData?.InstanceType, "m5.large");
    assert.equal(version.LaunchTemplateVersion?.LaunchTemplateData?.ImageId, AMI);

    const modified = await ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: "2" }),
    );
    assert.equal(modified.LaunchTemplate?.DefaultVersionNumber, 2);

    const byTag = await ec2.send(
      new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:pool", Values: ["default"] }] }),
    );
    assert.deepEqual(byTag.LaunchTemplates?.map((template) => template.LaunchTemplateId), [id]);
    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["$Default"] }),
    );
    assert.equal(versions.LaunchTemplateVersions?.[0].VersionNumber, 2);
    assert.equal(emulator.launchTemplates()[0].versions[1].data.InstanceType, "m5.large");

    await rejectsWithCode(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "gantry-runner",
          LaunchTemplateData: { ImageId: AMI },
        }),
      ),
      "InvalidLaunchTemplateName.AlreadyExistsException",
    );
  });
});

Deno.test("a launch template version reads back its block devices and shutdown behaviour", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "with-volume",
        LaunchTemplateData: {
          ImageId: AMI,
          InstanceInitiatedShutdownBehavior: "terminate",
          BlockDeviceMappings: [{
            DeviceName: "/dev/sda1",
            Ebs: { VolumeSize: 40, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
          }],
        },
      }),
    );
    const { LaunchTemplateVersions = [] } = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: created.LaunchTemplate?.LaunchTemplateId,
      }),
    );
    const data = LaunchTemplateVersions[0]?.LaunchTemplateData;
    assert.equal(data?.InstanceInitiatedShutdownBehavior, "terminate");
    assert.deepEqual(data?.BlockDeviceMappings, [{
      DeviceName: "/dev/sda1",
      Ebs: { VolumeSize: 40, VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true },
    }]);
  });
});

Deno.test("a deleted or unknown launch template is reported as not found", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "doomed",
        LaunchTemplateData: { ImageId: AMI },
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId;
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
    await rejectsWithCode(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id!] })),
      "InvalidLaunchTemplateId.NotFound",
    );
    await rejectsWithCode(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["doomed"] })),
      "InvalidLaunchTemplateName.NotFoundException",
    );
  });
});

Deno.test("RunInstances launches tagged instances that are running on the next describe", async () => {
  await withEmulator(async (emulator, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        InstanceType: "t3.small",
        MinCount: 2,
        MaxCount: 2,
        SubnetId: "subnet-b0123456",
        UserData: "ZWNobyBoaQ==",
        TagSpecifications: [{
          ResourceType: "instance",
          Tags: [{ Key: "gantry:job", Value: "job-7" }],
        }],
      }),
    );
    assert.equal(launched.Instances?.length, 2);
    assert.equal(launched.Instances?.[0].State?.Name, "pending");
    assert.equal(launched.Instances?.[0].Placement?.AvailabilityZone, "us-east-1b");

    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag:gantry:job", Values: ["job-7"] }] }),
    );
    const instances = described.Reservations?.flatMap((reservation) => reservation.Instances ?? []);
    assert.equal(instances?.length, 2);
    for (const instance of instances ?? []) {
      assert.equal(instance.State?.Name, "running");
      assert.equal(instance.State?.Code, 16);
      assert.equal(instance.InstanceType, "t3.small");
      assert.equal(instance.SubnetId, "subnet-b0123456");
      assert.ok(instance.LaunchTime instanceof Date);
      assert.match(instance.PrivateIpAddress ?? "", /^10\.\d+\.\d+\.\d+$/);
      assert.equal(instance.InstanceLifecycle, undefined);
    }
    assert.equal(emulator.instances()[0].userData, "ZWNobyBoaQ==");
    const run = emulator.calls.find((call) => call.action === "RunInstances");
    assert.equal(run?.params["TagSpecification.1.Tag.1.Key"], "gantry:job");
  });
});

Deno.test("RunInstances with a repeated ClientToken returns the first reservation and launches nothing", async () => {
  await withEmulator(async (emulator, ec2) => {
    const request: RunInstancesCommandInput = {
      ImageId: AMI,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      ClientToken: "job-9",
    };
    const first = await ec2.send(new RunInstancesCommand(request));
    const second = await ec2.send(new RunInstancesCommand(request));
    assert.equal(second.ReservationId, first.ReservationId);
    assert.equal(second.Instances?.[0].InstanceId, first.Instances?.[0].InstanceId);
    assert.equal(emulator.instances().length, 1);
    await rejectsWithCode(
      ec2.send(new RunInstancesCommand({ ...request, InstanceType: "m5.large" })),
      "IdempotentParameterMismatch",
    );
  });
});

Deno.test("terminated instances stay terminated and terminating them again is harmless", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro" }),
    );
    const instanceId = launched.Instances![0].InstanceId!;
    const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    assert.equal(terminated.TerminatingInstances?.[0].PreviousState?.Name, "running");
    assert.equal(terminated.TerminatingInstances?.[0].CurrentState?.Name, "shutting-down");

    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    assert.equal(described.Reservations?.[0].Instances?.[0].State?.Name, "terminated");
    const again = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    assert.equal(again.TerminatingInstances?.[0].CurrentState?.Name, "terminated");

    const running = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: "instance-state-name", Values: ["running"] }],
      }),
    );
    assert.deepEqual(running.Reservations, []);
    await rejectsWithCode(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ["i-0000000000000dead"] })),
      "InvalidInstanceID.NotFound",
    );
  });
});

Deno.test("CreateTags adds tags that DescribeInstances filters on", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro" }),
    );
    const instanceId = launched.Instances![0].InstanceId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [instanceId],
        Tags: [{ Key: "gantry:lease", Value: "l-1" }],
      }),
    );
    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag-key", Values: ["gantry:*"] }] }),
    );
    assert.equal(described.Reservations?.[0].Instances?.[0].InstanceId, instanceId);
  });
});

Deno.test("a malformed AMI or an unknown security group is a permanent launch error", async () => {
  await withEmulator(async (emulator, ec2) => {
    await rejectsWithCode(
      ec2.send(new RunInstancesCommand({ ImageId: "ubuntu-22.04", MinCount: 1, MaxCount: 1 })),
      "InvalidAMIID.Malformed",
    );
    await rejectsWithCode(
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          MinCount: 1,
          MaxCount: 1,
          SecurityGroupIds: ["default"],
        }),
      ),
      "InvalidGroup.NotFound",
    );
    assert.equal(emulator.instances().length, 0);
    assert.deepEqual(emulator.calls.map((call) => call.error), [
      "InvalidAMIID.Malformed",
      "InvalidGroup.NotFound",
    ]);
  });
});

// EC2 user guide, "Tag restrictions" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions):
// "Maximum number of tags per resource – 50"; tags with the aws: prefix do not count.
Deno.test("an instance or launch template with more than 50 tags is refused with TagLimitExceeded", async () => {
  await withEmulator(async (emulator, ec2) => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const run = (n: number) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          InstanceType: "t3.small",
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: "instance", Tags: tags(n) }],
        }),
      );
    await rejectsWithCode(run(51), "TagLimitExceeded");
    assert.equal(emulator.instances().length, 0);
    const launched = await run(50);
    assert.equal(launched.Instances?.length, 1);

    await rejectsWithCode(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "too-many-tags",
          LaunchTemplateData: { ImageId: AMI },
          TagSpecifications: [{ ResourceType: "launch-template", Tags: tags(51) }],
        }),
      ),
      "TagLimitExceeded",
    );
    assert.equal(emulator.launchTemplates().length, 0);
  });
});
