/**
 * The provider interface: how the scheduler gets machines without knowing
 * what they are. EC2 implements it now; Docker, ECS Fargate and Kubernetes
 * fit the same verbs.
 */
import { GantryError } from "../../shared/errors.ts";
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
  /** An actions runner pre-installed in the AMI, or null: the boot script downloads one. */
  runnerPath: string | null;
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

/**
 * How a provider failure is handled, decided once by the provider's adapter:
 * - `capacity`: no room there now; wait, then try elsewhere (unbounded, with backoff);
 * - `throttled`: the provider refused to act for now (rate limit, server error); the same call is safe to repeat;
 * - `permanent`: the pool or account is wrong; fail the jobs with the provider's text;
 * - `unknown`: a code nobody classified; retried a bounded number of times, then permanent.
 */
export type LaunchErrorKind = "capacity" | "throttled" | "permanent" | "unknown";

/** A provider call failed; `providerCode` is the provider's own code (e.g. EC2's `InvalidGroup.NotFound`). */
export abstract class ProviderError extends GantryError {
  abstract readonly kind: LaunchErrorKind;
  readonly providerCode: string;
  constructor(
    code: string,
    message: string,
    options: { providerCode: string; cause?: unknown },
  ) {
    super(code, message, { cause: options.cause });
    this.providerCode = options.providerCode;
  }
}

/** No room for these machines now: retry later, maybe elsewhere. */
export class CapacityError extends ProviderError {
  readonly kind = "capacity";
  constructor(message: string, options: { providerCode: string; cause?: unknown }) {
    super("launch_capacity", message, options);
  }
}

/** The provider asked us to slow down (or failed on its side): repeat the same call after a backoff. */
export class ThrottledError extends ProviderError {
  readonly kind = "throttled";
  constructor(message: string, options: { providerCode: string; cause?: unknown }) {
    super("launch_throttled", message, options);
  }
}

/** The pool or account is misconfigured: fail the jobs with the message, do not retry. */
export class PermanentError extends ProviderError {
  readonly kind = "permanent";
  constructor(message: string, options: { providerCode: string; cause?: unknown }) {
    super("launch_permanent", message, options);
  }
}

/** A code the adapter does not know: retried a bounded number of times, then the jobs fail with it. */
export class UnknownProviderError extends ProviderError {
  readonly kind = "unknown";
  constructor(message: string, options: { providerCode: string; cause?: unknown }) {
    super("launch_unknown", message, options);
  }
}

/** The typed error for a classified provider failure. */
export function providerErrorOf(
  kind: LaunchErrorKind,
  message: string,
  options: { providerCode: string; cause?: unknown },
): ProviderError {
  switch (kind) {
    case "capacity":
      return new CapacityError(message, options);
    case "throttled":
      return new ThrottledError(message, options);
    case "permanent":
      return new PermanentError(message, options);
    case "unknown":
      return new UnknownProviderError(message, options);
  }
}

/** A placement (or the whole call, when both are absent) that launched nothing, and why. */
export interface LaunchFailure {
  instanceType?: string;
  subnetId?: string;
  kind: LaunchErrorKind;
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

/** What a terminate call could not act on. */
export interface TerminateOutcome {
  notFound: string[];
}

export interface Provider {
  /** Materialises the pool's template when its spec changed or it vanished; returns where it is. */
  ensureTemplate(pool: PoolSpec): Promise<{ id: string; version: number; hash: string }>;
  /**
   * Launches up to `count` machines in one call. Capacity shortages,
   * configuration errors and unknown codes come back as failures; a throw
   * ({@link ThrottledError}, or a network error) means the call's fate is
   * unknown, so it is retried with the same client token.
   */
  launch(request: LaunchRequest): Promise<LaunchOutcome>;
  /**
   * Starts terminating these machines. Ids the provider says it does not
   * know come back in `notFound`: with an eventually consistent provider
   * that may be a machine too new to be seen, so it is no proof of its end.
   */
  terminate(ids: readonly string[]): Promise<TerminateOutcome>;
  /** What became of these machines; one the provider no longer knows is `gone`. */
  describe(ids: readonly string[]): Promise<MachineState[]>;
  /** Every live machine carrying Gantry's managed tag (to find orphans). */
  listManaged(): Promise<{ id: string; launchedAt: number }[]>;
  /** USD per hour, or null when no quote can be had (the job stays unquoted). */
  quote(
    machine: { instanceType: string; availabilityZone: string | null; isSpot: boolean },
  ): Promise<number | null>;
}
