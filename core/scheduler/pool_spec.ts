import { cascadeTags, gantryTags } from "../../shared/tags.ts";
import type { RoutablePool } from "../../shared/routing.ts";
import type { PoolRow, ProjectRow } from "../db/store.ts";
import { ec2SettingsOf } from "../providers/ec2/pool_settings.ts";
import type { PoolSpec, ProviderCapabilities } from "../providers/provider.ts";

/**
 * The provider's view of a pool: its spec and the tags every launch carries.
 * A spot pool asks for spot only of a provider that has it; elsewhere its
 * machines are on-demand.
 */
export function poolSpecOf(
  project: ProjectRow,
  pool: PoolRow,
  capabilities: Pick<ProviderCapabilities, "spot">,
): PoolSpec {
  return {
    id: pool.id,
    project: project.name,
    name: pool.name,
    runnerPath: pool.runnerPath,
    isSpot: pool.isSpot && capabilities.spot,
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
    ec2: ec2SettingsOf(pool),
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
