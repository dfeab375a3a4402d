import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { AMAZON_LINUX_AMI, UBUNTU_AMI } from "./images.ts";
import { withEmulator } from "./sdk_clients.ts";

Deno.test("DescribeImages: Amazon Linux-like roots on /dev/xvda, Ubuntu-like on /dev/sda1", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: [AMAZON_LINUX_AMI, UBUNTU_AMI] }),
    );
    assert.deepEqual(
      Images.map((image) => [image.ImageId, image.RootDeviceName, image.RootDeviceType]),
      [
        [AMAZON_LINUX_AMI, "/dev/xvda", "ebs"],
        [UBUNTU_AMI, "/dev/sda1", "ebs"],
      ],
    );
    assert.equal(Images[0].BlockDeviceMappings?.[0].DeviceName, "/dev/xvda");
    assert.equal(Images[0].BlockDeviceMappings?.[0].Ebs?.VolumeSize, 8);
    assert.match(Images[1].Name ?? "", /^ubuntu\/images\//);
    assert.equal(Images[0].State, "available");
  });
});

Deno.test("DescribeImages: a filter by name narrows the seeded table", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ Filters: [{ Name: "name", Values: ["al2023-ami-*"] }] }),
    );
    assert.deepEqual(Images.map((image) => image.ImageId), [AMAZON_LINUX_AMI]);
  });
});

Deno.test("DescribeImages: an unknown AMI is InvalidAMIID.NotFound, a malformed one .Malformed", async () => {
  await withEmulator(async (_emulator, ec2) => {
    await assert.rejects(
      ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-00000000000000000"] })),
      (error: Error) => error.name === "InvalidAMIID.NotFound",
    );
    await assert.rejects(
      ec2.send(new DescribeImagesCommand({ ImageIds: ["ubuntu"] })),
      (error: Error) => error.name === "InvalidAMIID.Malformed",
    );
  });
});
