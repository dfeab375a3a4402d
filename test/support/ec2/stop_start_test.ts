/**
 * StopInstances, StartInstances and ModifyInstanceAttribute (instance type)
 * through the unmodified SDK, on the emulator's own clock: the states and
 * codes EC2 documents (stopping 64, stopped 80), and its refusals.
 */
import {
  DescribeInstancesCommand,
  type InstanceStateChange,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

const AMI = "ami-0123456789abcdef0";

async function rejectsWith(promise: Promise<unknown>, code: string, message: string) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, code);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("stop, resize and start an on-demand instance; each step's state as EC2 reports it", async () => {
  let now = 1_000_000;
  await withEmulator(async (_emulator, ec2) => {
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: "m5.large" }),
    );
    const id = launched.Instances![0].InstanceId!;
    const stateOf = async () => {
      const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = answer.Reservations![0].Instances![0];
      return [instance.State?.Name, instance.State?.Code, instance.InstanceType];
    };
    const change = (changes: InstanceStateChange[] | undefined) =>
      (changes ?? []).map((c) => [c.PreviousState?.Name, c.CurrentState?.Name]);

    await rejectsWith(
      ec2.send(new StopInstancesCommand({ InstanceIds: [id] })),
      "IncorrectInstanceState",
      `The instance '${id}' is not in a state from which it can be stopped.`,
    );
    now += 16_000;
    assert.deepEqual(await stateOf(), ["running", 16, "m5.large"]);
    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(change(stopping.StoppingInstances), [["running", "stopping"]]);
    await rejectsWith(
      ec2.send(
        new ModifyInstanceAttributeCommand({
          InstanceId: id,
          InstanceType: { Value: "m5.xlarge" },
        }),
      ),
      "IncorrectInstanceState",
      `The instance '${id}' is not in the 'stopped' state.`,
    );
    await rejectsWith(
      ec2.send(new StartInstancesCommand({ InstanceIds: [id] })),
      "IncorrectInstanceState",
      `The instance '${id}' is not in a state from which it can be started.`,
    );
    now += 2_000;
    assert.deepEqual(await stateOf(), ["stopped", 80, "m5.large"]);
    const again = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(change(again.StoppingInstances), [["stopped", "stopped"]], "repeatable");

    await ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "m5.xlarge" } }),
    );
    const starting = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(change(starting.StartingInstances), [["stopped", "pending"]]);
    now += 4_999;
    assert.deepEqual(await stateOf(), ["pending", 0, "m5.xlarge"]);
    now += 1;
    assert.deepEqual(await stateOf(), ["running", 16, "m5.xlarge"]);
    const started = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(change(started.StartingInstances), [["running", "running"]], "repeatable");

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const ended = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(change(ended.TerminatingInstances), [["stopping", "shutting-down"]]);
  }, { clock: () => now, pendingMs: 16_000, stopMs: 2_000, startMs: 5_000 });
});

Deno.test("a one-time spot instance cannot be stopped, and the call stops none", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const run = (spot: boolean) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: "t3.small",
          ...(spot ? { InstanceMarketOptions: { MarketType: "spot" } } : {}),
        }),
      ).then((answer) => answer.Instances![0].InstanceId!);
    const onDemand = await run(false);
    const spot = await run(true);
    await rejectsWith(
      ec2.send(new StopInstancesCommand({ InstanceIds: [onDemand, spot] })),
      "UnsupportedOperation",
      `You can't stop the Spot Instance '${spot}' because it is associated with a one-time ` +
        "Spot Instance request. You can only stop Spot Instances associated with persistent " +
        "Spot Instance requests.",
    );
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [onDemand] }));
    assert.equal(answer.Reservations![0].Instances![0].State?.Name, "running");
  });
});
