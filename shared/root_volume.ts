/**
 * A pool's root volume and the limits AWS documents for each EBS volume type
 * (EC2 API reference, `LaunchTemplateEbsBlockDeviceRequest` / `EbsBlockDevice`:
 * VolumeSize, Iops, Throughput; EBS user guide, "Amazon EBS volume types").
 * Checked here so a pool that EC2 would refuse is refused when it is saved,
 * not when its first job launches.
 *
 * @module
 */

/** Every EBS volume type. */
export const EBS_VOLUME_TYPES = ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"] as const;
/** An EBS volume type. */
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];

/** A pool's root volume, as the launch template maps it. */
export interface RootVolume {
  sizeGb: number;
  type: EbsVolumeType;
  /** Provisioned IOPS (gp3, io1, io2 only); null = the type's default. */
  iops: number | null;
  /** Provisioned MiB/s (gp3 only); null = the type's default. */
  throughput: number | null;
}

interface TypeLimits {
  size: [number, number];
  /** Absent: the type takes no IOPS setting. */
  iops?: { range: [number, number]; perGb: number; isRequired: boolean };
  /** Absent: the type takes no throughput setting. */
  throughput?: { range: [number, number]; perIops: number };
  /** st1 and sc1: "Bootable st1 volumes are not supported" (EBS user guide), likewise sc1. */
  isBootable: boolean;
}

/** gp3's IOPS and throughput when none are provisioned. */
const GP3_BASELINE = { iops: 3000, throughput: 125 };

/** AWS's documented ranges per type. */
export const EBS_LIMITS: Readonly<Record<EbsVolumeType, TypeLimits>> = {
  gp3: {
    size: [1, 65_536],
    iops: { range: [3000, 80_000], perGb: 500, isRequired: false },
    throughput: { range: [125, 2000], perIops: 0.25 },
    isBootable: true,
  },
  gp2: { size: [1, 16_384], isBootable: true },
  io1: {
    size: [4, 16_384],
    iops: { range: [100, 64_000], perGb: 50, isRequired: true },
    isBootable: true,
  },
  io2: {
    size: [4, 65_536],
    iops: { range: [100, 256_000], perGb: 1000, isRequired: true },
    isBootable: true,
  },
  st1: { size: [125, 16_384], isBootable: false },
  sc1: { size: [125, 16_384], isBootable: false },
  standard: { size: [1, 1024], isBootable: true },
};

/** One problem with a root volume, by the field it is about. */
export interface RootVolumeProblem {
  field: "sizeGb" | "type" | "iops" | "throughput";
  message: string;
}

/** Every way `volume` breaks AWS's documented limits for its type; empty when EC2 would take it. */
export function rootVolumeProblems(volume: RootVolume): RootVolumeProblem[] {
  const limits = EBS_LIMITS[volume.type];
  const problems: RootVolumeProblem[] = [];
  if (!limits.isBootable) {
    problems.push({
      field: "type",
      message: `${volume.type} cannot be a root volume (EBS does not boot from HDD volumes)`,
    });
  }
  const [minSize, maxSize] = limits.size;
  if (volume.sizeGb < minSize || volume.sizeGb > maxSize) {
    problems.push({
      field: "sizeGb",
      message: `${volume.type} volumes are ${minSize}–${maxSize} GiB`,
    });
  }
  problems.push(...iopsProblems(volume, limits));
  problems.push(...throughputProblems(volume, limits));
  return problems;
}

function iopsProblems(volume: RootVolume, limits: TypeLimits): RootVolumeProblem[] {
  const rule = limits.iops;
  if (!rule) {
    return volume.iops === null
      ? []
      : [{ field: "iops", message: `${volume.type} volumes take no IOPS setting` }];
  }
  if (volume.iops === null) {
    return rule.isRequired
      ? [{ field: "iops", message: `${volume.type} volumes need provisioned IOPS` }]
      : [];
  }
  const [min, max] = rule.range;
  if (volume.iops < min || volume.iops > max) {
    return [{ field: "iops", message: `${volume.type} IOPS are ${min}–${max}` }];
  }
  // gp3's 3,000 baseline holds at any size; only IOPS above it count against the ratio.
  const isAboveBaseline = volume.type !== "gp3" || volume.iops > GP3_BASELINE.iops;
  if (isAboveBaseline && volume.iops > volume.sizeGb * rule.perGb) {
    return [{
      field: "iops",
      message: `${volume.type} allows at most ${rule.perGb} IOPS per GiB ` +
        `(${volume.sizeGb * rule.perGb} for ${volume.sizeGb} GiB)`,
    }];
  }
  return [];
}

function throughputProblems(volume: RootVolume, limits: TypeLimits): RootVolumeProblem[] {
  const rule = limits.throughput;
  if (volume.throughput === null) return [];
  if (!rule) {
    return [{ field: "throughput", message: `${volume.type} volumes take no throughput setting` }];
  }
  const [min, max] = rule.range;
  if (volume.throughput < min || volume.throughput > max) {
    return [{ field: "throughput", message: `${volume.type} throughput is ${min}–${max} MiB/s` }];
  }
  const iops = volume.iops ?? GP3_BASELINE.iops;
  if (volume.throughput > GP3_BASELINE.throughput && volume.throughput > iops * rule.perIops) {
    return [{
      field: "throughput",
      message: `${volume.type} allows at most ${rule.perIops} MiB/s per IOPS ` +
        `(${iops * rule.perIops} MiB/s at ${iops} IOPS)`,
    }];
  }
  return [];
}
