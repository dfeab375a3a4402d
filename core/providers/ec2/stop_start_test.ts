/**
 * The EC2 provider's stop/start control against the emulator (unmodified
 * SDK): a stopped pool's cycle, stop → resize → start, each step safe to
 * repeat, and EC2's refusals as the contract's typed errors.
 */
import { DescribeInstancesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "../../../test/support/ec2/sdk_clients.ts";
import { PermanentError, UnknownProviderError } from "../provider.ts";
import { Ec2StopStart } from "./stop_start.ts";

const AMI = "ami-0123456789abcdef0";

Deno.test("stop, resize, start: each repeatable; a spot instance is refused for good", async () => {
  let now = 0;
  await withEmulator(async (_emulator, ec2) => {
    const run = async (market?: "spot") =>
      (await ec2.send(
        new RunInstancesCommand({
          ImageId: AMI,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: "m5.large",
          ...(market ? { InstanceMarketOptions: { MarketType: market } } : {}),
        }),
      )).Instances![0].InstanceId!;
    const id = await run();
    const control = new Ec2StopStart(ec2);
    const seen = async () => {
      const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = answer.Reservations![0].Instances![0];
      return `${instance.State?.Name} ${instance.InstanceType}`;
    };

    await control.stop([id]);
    await control.stop([id]);
    assert.equal(await seen(), "stopped m5.large");
    await control.resize(id, "m5.2xlarge");
    await control.start([id]);
    await control.start([id]);
    assert.equal(await seen(), "pending m5.2xlarge");
    now += 5_000;
    assert.equal(await seen(), "running m5.2xlarge");

    // Resizing a running machine: EC2's IncorrectInstanceState, a code the contract leaves unknown.
    await assert.rejects(control.resize(id, "m5.large"), (error: Error) => {
      assert.ok(error instanceof UnknownProviderError, String(error));
      assert.equal(
        error.message,
        `EC2 ModifyInstanceAttribute: IncorrectInstanceState: The instance '${id}' is not in the 'stopped' state.`,
      );
      return true;
    });
    const spot = await run("spot");
    await assert.rejects(control.stop([spot]), (error: Error) => {
      assert.ok(error instanceof PermanentError, String(error));
      assert.match(error.message, /^EC2 StopInstances: UnsupportedOperation: You can't stop/);
      return true;
    });
  }, { clock: () => now, startMs: 5_000 });
});
