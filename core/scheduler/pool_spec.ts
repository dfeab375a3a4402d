import { cascadeTags, gantryTags } from "../../shared/tags.ts";
import type { RoutablePool } from "../../shared/routing.ts";
import type { PoolRow, ProjectRow } from "../db/store.ts";
import type { PoolSpec } from "./provider.ts";

/** The provider's view of a pool: its spec and the tags every launch carries. */
export function poolSpecOf(project: ProjectRow, pool: PoolRow): PoolSpec {
  return {
    id: pool.id,
    project: project.name,
    name: pool.name,
    ami: pool.ami,
    runnerPath: pool.runnerPath,
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
    isSpot: pool.isSpot,
    allocationStrategy: pool.allocationStrategy,
    spawn: pool.spawn,
    tags: {
      ...cascadeTags({ project: project.tags, pool: pool.tags }),
      ...gantryTags({ project: project.name, pool: pool.name }),
    },
    template: pool.launchTemplateId && pool.launchTemplateVersion
      ? {
        id: pool.launchTemplateId,
        version: pool.launchTemplateVersion,
        hash: pool.launchTemplateHash ?? "",
      }
      : null,
  };
}

/** The router's view of a pool. */
export function routableOf(project: ProjectRow, pool: PoolRow): RoutablePool {
  return {
    id: pool.id,
    project: project.name,
    name: pool.name,
    priority: pool.priority,
    isDefault: pool.isDefault,
    isEnabled: pool.isEnabled,
    extraLabels: pool.extraLabels,
  };
}
