/**
 * The EC2 launch template data a pool materialises to. The root volume is
 * mapped onto the image's own root device: a mapping under any other name
 * (the old hard-coded `/dev/sda1` on Amazon Linux, whose root is `/dev/xvda`)
 * adds a second, unused volume and leaves the real root at the AMI's size.
 */
import type {
  LaunchTemplateEbsBlockDeviceRequest,
  RequestLaunchTemplateData,
  Tag,
} from "@aws-sdk/client-ec2";
import type { RootVolume } from "../../../shared/root_volume.ts";
import type { Tags } from "../../../shared/tags.ts";
import type { PoolSpec } from "../provider.ts";

/** The launch template data for `pool`, its root volume on `image.rootDevice`. */
export function launchTemplateData(
  pool: PoolSpec,
  image: { rootDevice: string },
): RequestLaunchTemplateData {
  const { ec2 } = pool;
  return {
    ImageId: ec2.ami,
    InstanceType: ec2.instanceTypes[0] as never,
    SecurityGroupIds: [...ec2.securityGroups],
    ...(ec2.instanceProfile
      ? {
        IamInstanceProfile: ec2.instanceProfile.startsWith("arn:")
          ? { Arn: ec2.instanceProfile }
          : { Name: ec2.instanceProfile },
      }
      : {}),
    BlockDeviceMappings: [{ DeviceName: image.rootDevice, Ebs: rootEbs(ec2.rootVolume) }],
    MetadataOptions: {
      HttpTokens: "required",
      HttpEndpoint: "enabled",
      HttpPutResponseHopLimit: 2,
    },
    InstanceInitiatedShutdownBehavior: "terminate",
    TagSpecifications: [
      { ResourceType: "instance", Tags: toTagList(pool.tags) },
      { ResourceType: "volume", Tags: toTagList(pool.tags) },
    ],
  };
}

/** The root EBS volume; IOPS and throughput only when set (EC2 refuses them on types without). */
function rootEbs(volume: RootVolume): LaunchTemplateEbsBlockDeviceRequest {
  return {
    VolumeSize: volume.sizeGb,
    VolumeType: volume.type,
    ...(volume.iops === null ? {} : { Iops: volume.iops }),
    ...(volume.throughput === null ? {} : { Throughput: volume.throughput }),
    Encrypted: true,
    DeleteOnTermination: true,
  };
}

/** Gantry's tag map as the EC2 API's list of Key/Value pairs. */
export function toTagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
