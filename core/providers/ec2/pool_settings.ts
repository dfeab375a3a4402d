/**
 * The part of a pool only the EC2 provider reads: image, instance types,
 * network, instance profile, root volume and how a batch is launched. The
 * scheduler builds it from the pool's row and passes it through untouched.
 */
import type { RootVolume } from "../../../shared/root_volume.ts";
import type { PoolRow } from "../../db/store.ts";

export interface Ec2PoolSettings {
  ami: string;
  instanceTypes: readonly string[];
  subnets: readonly string[];
  securityGroups: readonly string[];
  instanceProfile: string | null;
  /** Mapped onto the image's own root device (whatever its name), not added beside it. */
  rootVolume: RootVolume;
  allocationStrategy: string;
  /** `fleet`: one call over every placement; `run_instances`: n of one type in one subnet. */
  spawn: "fleet" | "run_instances";
}

/** The EC2 settings of a pool's row. */
export function ec2SettingsOf(pool: PoolRow): Ec2PoolSettings {
  return {
    ami: pool.ami,
    instanceTypes: pool.instanceTypes,
    subnets: pool.subnets,
    securityGroups: pool.securityGroups,
    instanceProfile: pool.instanceProfile,
    rootVolume: {
      sizeGb: pool.rootVolumeGb,
      type: pool.rootVolumeType,
      iops: pool.rootVolumeIops,
      throughput: pool.rootVolumeThroughput,
    },
    allocationStrategy: pool.allocationStrategy,
    spawn: pool.spawn,
  };
}
