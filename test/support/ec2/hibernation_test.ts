/**
 * Hibernation through the unmodified SDK (hibernation.ts): enabled at launch
 * only with an encrypted root volume, StopInstances `Hibernate` only for an
 * instance enabled for it, no resize while hibernated, and a start that
 * resumes (the simulated runners skip the OS boot for it).
 */
import {
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import type { PendingEvent } from "./emulator.ts";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";
/** The Amazon Linux-like image's root device (images.ts), encrypted. */
const ENCRYPTED_ROOT = [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 30, Encrypted: true } }];

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, code);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("hibernation: an encrypted root volume, a hibernated stop, no resize, a resume", async () => {
  let now = 1_000_000;
  await withEmulator(async (emulator, ec2) => {
    const causes: PendingEvent["cause"][] = [];
    emulator.onPending((event) => causes.push(event.cause));
    const run = async (extra: Partial<RunInstancesCommandInput>) =>
      (await ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: "m5.large",
          ...extra,
        }),
      )).Instances![0].InstanceId!;
    const seen = async (id: string) =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))
        .Reservations![0].Instances![0];

    await rejectsWith(
      run({ HibernationOptions: { Configured: true } }),
      "UnsupportedHibernationConfiguration",
      /encrypted EBS root volume/,
    );
    await rejectsWith(
      run({
        HibernationOptions: { Configured: true },
        BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 30 } }],
      }),
      "UnsupportedHibernationConfiguration",
      /root volume \/dev\/xvda of this launch is not encrypted/,
    );
    const id = await run({
      HibernationOptions: { Configured: true },
      BlockDeviceMappings: ENCRYPTED_ROOT,
    });
    const plain = await run({ BlockDeviceMappings: ENCRYPTED_ROOT });
    now += 16_000;
    assert.equal((await seen(id)).HibernationOptions?.Configured, true);
    assert.equal((await seen(plain)).HibernationOptions?.Configured, false);

    // Not enabled at launch: the whole call is refused, and stops none.
    await rejectsWith(
      ec2.send(new StopInstancesCommand({ InstanceIds: [id, plain], Hibernate: true })),
      "UnsupportedHibernationConfiguration",
      new RegExp(`not configured at launch for hibernation: ${plain}$`),
    );
    assert.equal((await seen(id)).State?.Name, "running");

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id], Hibernate: true }));
    now += 2_000;
    const hibernated = await seen(id);
    assert.equal(hibernated.State?.Name, "stopped");
    assert.deepEqual(hibernated.StateReason, {
      Code: "Client.UserInitiatedHibernate",
      Message: "Client.UserInitiatedHibernate: Hibernation was initiated on the instance.",
    });
    await rejectsWith(
      ec2.send(
        new ModifyInstanceAttributeCommand({
          InstanceId: id,
          InstanceType: { Value: "m5.xlarge" },
        }),
      ),
      "UnsupportedOperation",
      /is hibernated: its type cannot be changed/,
    );
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    now += 5_000;
    assert.equal((await seen(id)).State?.Name, "running");

    // A plain stop of the same instance: a start boots it again, and it may be resized.
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    now += 2_000;
    assert.equal((await seen(id)).StateReason?.Code, "Client.UserInitiatedShutdown");
    await ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "m5.xlarge" } }),
    );
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(causes, ["launch", "launch", "resume", "start"]);
  }, { clock: () => now, pendingMs: 16_000, stopMs: 2_000, startMs: 5_000 });
});

Deno.test("hibernation from a launch template's data", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const template = async (name: string, encrypted: boolean) =>
      (await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          LaunchTemplateData: {
            ImageId: AMI,
            InstanceType: "m5.large",
            HibernationOptions: { Configured: true },
            BlockDeviceMappings: [{
              DeviceName: "/dev/xvda",
              Ebs: { VolumeSize: 30, Encrypted: encrypted },
            }],
          },
        }),
      )).LaunchTemplate!.LaunchTemplateId!;
    const launch = (id: string) =>
      ec2.send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: id, Version: "1" },
          MinCount: 1,
          MaxCount: 1,
        }),
      );
    const launched = await launch(await template("hibernating", true));
    assert.equal(launched.Instances![0].HibernationOptions?.Configured, true);
    await rejectsWith(
      launch(await template("unencrypted", false)),
      "UnsupportedHibernationConfiguration",
      /not encrypted/,
    );
  });
});
