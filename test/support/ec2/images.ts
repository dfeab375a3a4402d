/**
 * DescribeImages over a seeded image table. The convention, so a test can
 * pick the kind of image it means: the emulator knows exactly the AMIs in
 * {@link SEEDED_IMAGES}. Amazon Linux-like images (names `al2023-ami-…`)
 * have the root device `/dev/xvda`, Ubuntu-like ones (`ubuntu/images/…`)
 * `/dev/sda1`, as the real images do. Any other well-formed id is
 * `InvalidAMIID.NotFound`, as EC2 answers for an image that does not exist.
 *
 * @module
 */

import type { ActionHandler } from "./context.ts";
import { OWNER_ID } from "./instance_actions.ts";
import {
  Ec2ApiError,
  listValues,
  matchesPattern,
  parseFilters,
  type XmlValue,
} from "./protocol.ts";

/** One registered image. */
export interface SeededImage {
  imageId: string;
  name: string;
  rootDeviceName: "/dev/xvda" | "/dev/sda1";
  /** The root snapshot's size, GiB. */
  rootVolumeGb: number;
}

/** Amazon Linux 2023-like: root `/dev/xvda`. */
export const AMAZON_LINUX_AMI = "ami-0123456789abcdef0";
/** Ubuntu 24.04-like: root `/dev/sda1`. */
export const UBUNTU_AMI = "ami-0abcdef1234567890";
/** A second Ubuntu-like image (22.04), for tests that change a pool's AMI. */
export const UBUNTU_OTHER_AMI = "ami-0fedcba9876543210";

/** Every image the emulator knows (the AMI ids the tests and the dev stack use). */
export const SEEDED_IMAGES: readonly SeededImage[] = [
  {
    imageId: AMAZON_LINUX_AMI,
    name: "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
    rootDeviceName: "/dev/xvda",
    rootVolumeGb: 8,
  },
  {
    imageId: UBUNTU_AMI,
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119",
    rootDeviceName: "/dev/sda1",
    rootVolumeGb: 8,
  },
  {
    imageId: UBUNTU_OTHER_AMI,
    name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241002",
    rootDeviceName: "/dev/sda1",
    rootVolumeGb: 8,
  },
];

const AMI_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** DescribeImages: by `ImageId.N` (each must exist), then `Filter.N` (`name`, `image-id`, `root-device-name`). */
export const describeImages: ActionHandler = (params) => {
  const ids = listValues(params, "ImageId");
  for (const id of ids) {
    if (!AMI_PATTERN.test(id)) {
      throw new Ec2ApiError("InvalidAMIID.Malformed", `Invalid id: "${id}" (expecting "ami-...")`);
    }
  }
  const missing = ids.filter((id) => !SEEDED_IMAGES.some((image) => image.imageId === id));
  if (missing.length > 0) {
    throw new Ec2ApiError(
      "InvalidAMIID.NotFound",
      `The image id '[${missing.join(", ")}]' does not exist`,
    );
  }
  const named = ids.length > 0
    ? SEEDED_IMAGES.filter((image) => ids.includes(image.imageId))
    : SEEDED_IMAGES;
  const filters = parseFilters(params);
  const matching = named.filter((image) =>
    filters.every((filter) => {
      const value = filterValue(image, filter.name);
      return filter.values.some((pattern) => matchesPattern(value, pattern));
    })
  );
  return { imagesSet: matching.map(imageXml) };
};

function filterValue(image: SeededImage, name: string): string {
  if (name === "name") return image.name;
  if (name === "image-id") return image.imageId;
  if (name === "root-device-name") return image.rootDeviceName;
  throw new Ec2ApiError("InvalidParameterValue", `The filter '${name}' is invalid`);
}

function imageXml(image: SeededImage): XmlValue {
  return {
    imageId: image.imageId,
    imageLocation: `${OWNER_ID}/${image.name}`,
    imageState: "available",
    imageOwnerId: OWNER_ID,
    creationDate: "2024-12-12T00:00:00.000Z",
    isPublic: false,
    architecture: "x86_64",
    imageType: "machine",
    name: image.name,
    rootDeviceType: "ebs",
    rootDeviceName: image.rootDeviceName,
    blockDeviceMapping: [{
      deviceName: image.rootDeviceName,
      ebs: {
        snapshotId: `snap-${image.imageId.slice(4)}`,
        volumeSize: image.rootVolumeGb,
        deleteOnTermination: true,
        volumeType: "gp3",
        encrypted: false,
      },
    }],
    virtualizationType: "hvm",
    hypervisor: "xen",
    enaSupport: true,
    platformDetails: "Linux/UNIX",
    usageOperation: "RunInstances",
  };
}
