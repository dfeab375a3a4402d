/**
 * DescribeSubnets as the emulator answers it: the zone of each subnet and its
 * free addresses (AvailableIpAddressCount, EC2 API reference "Subnet"),
 * fewer by one per live instance in it.
 */
import {
  DescribeSubnetsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { withEmulator } from "./sdk_clients.ts";

Deno.test("DescribeSubnets gives each subnet's zone and free addresses, less live instances", async () => {
  await withEmulator(async (emulator, ec2) => {
    emulator.faults.subnetAddresses("subnet-a0000001", 10);
    const describe = async () => {
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({ SubnetIds: ["subnet-a0000001", "subnet-b0000002"] }),
      );
      return Subnets.map((s) => [s.SubnetId, s.AvailabilityZone, s.AvailableIpAddressCount]);
    };
    assert.deepEqual(await describe(), [
      ["subnet-a0000001", "us-east-1a", 10],
      ["subnet-b0000002", "us-east-1b", 4091],
    ]);
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-0123456789abcdef0",
        InstanceType: "t3.small",
        MinCount: 3,
        MaxCount: 3,
        SubnetId: "subnet-a0000001",
      }),
    );
    assert.deepEqual((await describe())[0], ["subnet-a0000001", "us-east-1a", 7]);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [Instances[0].InstanceId!] }));
    assert.deepEqual((await describe())[0], ["subnet-a0000001", "us-east-1a", 8]);

    await assert.rejects(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-NOPE!"] })),
      { name: "InvalidSubnetID.NotFound" },
    );
  });
});
