/**
 * The provider interface: how the scheduler gets machines without knowing
 * what they are. EC2 implements it now; Docker, ECS Fargate and Kubernetes
 * fit the same verbs.
 */
import type { Placement } from "../../shared/launch/batch.ts";
import type { RootVolume } from "../../shared/root_volume.ts";
import type { Tags } from "../../shared/tags.ts";
import type { MachineState } from "./reap_plan.ts";

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
  /** Mapped onto the image's own root device (whatever its name), not added beside it. */
  rootVolume: RootVolume;
  isSpot: boolean;
  allocationStrategy: string;
  /** `fleet`: one call over every placement; `run_instances`: n of one type in one subnet. */
  spawn: "fleet" | "run_instances";
  /** Cascaded operator tags plus gantry:project / gantry:pool. */
  tags: Tags;
  /** Where the provider materialised the pool last time (e.g. an EC2 launch template). */
  template: { id: string; version: number; hash: string } | null;
}

export interface LaunchRequest {
  pool: PoolSpec;
  /** Idempotency key: the same token never launches twice. */
  clientToken: string;
  /** Machines wanted (one per job of the batch). */
  count: number;
  /** Where they may go, best first (a retry leaves out those that failed). */
  placements: readonly Placement[];
  /** Boot script shared by every machine of the launch. */
  userData: string;
  /** Tags of this launch (pool tags plus gantry:repo, and gantry:job for a batch of one). */
  tags: Tags;
}

/** A placement (or the whole call, when both are absent) that launched nothing, and why. */
export interface LaunchFailure {
  instanceType?: string;
  subnetId?: string;
  /** `capacity`: try again later, elsewhere. `permanent`: the pool or account is wrong. */
  kind: "capacity" | "permanent";
  /** The provider's error code and text, for the job's failure reason. */
  code: string;
  message: string;
}

/** What a launch call gave: machines (maybe fewer than asked) and the failures met. */
export interface LaunchOutcome {
  machines: LaunchedMachine[];
  failures: LaunchFailure[];
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
  /**
   * Launches up to `count` machines in one call. Capacity shortages and
   * configuration errors come back as failures; a throw means the call's
   * fate is unknown (throttled past the SDK's retries, network), so it is
   * retried with the same client token.
   */
  launch(request: LaunchRequest): Promise<LaunchOutcome>;
  terminate(ids: readonly string[]): Promise<void>;
  /** What became of these machines; one the provider no longer knows is `gone`. */
  describe(ids: readonly string[]): Promise<MachineState[]>;
  /** Every live machine carrying Gantry's managed tag (to find orphans). */
  listManaged(): Promise<{ id: string; launchedAt: number }[]>;
  /** USD per hour, or null when no quote can be had (the job stays unquoted). */
  quote(
    machine: { instanceType: string; availabilityZone: string | null; isSpot: boolean },
  ): Promise<number | null>;
}
