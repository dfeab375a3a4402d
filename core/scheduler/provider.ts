/**
 * The provider interface: how the scheduler gets machines without knowing
 * what they are. EC2 implements it now; Docker, ECS Fargate and Kubernetes
 * fit the same four verbs.
 */
import type { Tags } from "../../shared/tags.ts";

/** What a provider needs to know about a pool to launch for it. */
export interface PoolSpec {
  id: string;
  project: string;
  name: string;
  ami: string;
  instanceTypes: readonly string[];
  subnets: readonly string[];
  securityGroups: readonly string[];
  instanceProfile: string | null;
  rootVolumeGb: number;
  isSpot: boolean;
  allocationStrategy: string;
  /** Cascaded operator tags plus gantry:project / gantry:pool. */
  tags: Tags;
  /** Where the provider materialised the pool last time (e.g. an EC2 launch template). */
  template: { id: string; version: number; hash: string } | null;
}

export interface LaunchRequest {
  pool: PoolSpec;
  /** Idempotency key: the same token never launches twice. */
  clientToken: string;
  /** Boot script for the machine. */
  userData: string;
  /** Tags of this launch (pool tags plus gantry:job, gantry:repo). */
  tags: Tags;
}

export interface LaunchedMachine {
  id: string;
  instanceType: string;
  availabilityZone: string | null;
  subnetId: string | null;
  isSpot: boolean;
}

export interface Provider {
  /** Materialises the pool's template when its spec changed or it vanished; returns where it is. */
  ensureTemplate(pool: PoolSpec): Promise<{ id: string; version: number; hash: string }>;
  launch(request: LaunchRequest): Promise<LaunchedMachine[]>;
  terminate(ids: readonly string[]): Promise<void>;
  /** Every live machine carrying Gantry's managed tag (to find orphans). */
  listManaged(): Promise<{ id: string; launchedAt: number }[]>;
  /** USD per hour, or null when no quote can be had (the job stays unquoted). */
  quote(
    machine: { instanceType: string; availabilityZone: string | null; isSpot: boolean },
  ): Promise<number | null>;
}
