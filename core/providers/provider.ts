/**
 * The provider contract: how the scheduler gets machines without knowing
 * what they are. A provider launches a batch, describes, terminates and lists
 * its machines, and quotes a price; it says what it can do in `capabilities`
 * and fails with the typed errors below, so the scheduler reacts with
 * `instanceof` and never reads a vendor's code. EC2 (./ec2/) implements it
 * now; Docker hosts, ECS Fargate and Kubernetes pods fit the same verbs.
 */
import { GantryError } from "../../shared/errors.ts";
import type { Placement } from "../../shared/launch/batch.ts";
import type { Tags } from "../../shared/tags.ts";
import type { Ec2PoolSettings } from "./ec2/pool_settings.ts";

/** Where a provider materialised a pool last time (EC2: a launch template and its version). */
export interface PoolTemplate {
  id: string;
  version: number;
  /** Hash of the spec it was made from: a new hash means a new version. */
  hash: string;
}

/** What a provider needs to know about a pool to launch for it. */
export interface PoolSpec {
  id: string;
  project: string;
  name: string;
  /** An actions runner pre-installed in the machine image, or null: the boot script downloads one. */
  runnerPath: string | null;
  /** Interruptible machines at a discount (only where `capabilities.spot`). */
  isSpot: boolean;
  /** Cascaded operator tags plus gantry:project / gantry:pool. */
  tags: Tags;
  /** Where the provider materialised the pool last time; null before the first launch. */
  template: PoolTemplate | null;
  /**
   * The settings only the EC2 provider reads (image, network, volumes, fleet
   * strategy); the scheduler passes them through. Another provider adds its
   * own part beside it.
   */
  ec2: Ec2PoolSettings;
}

/** What a provider can do; the scheduler plans with these, not with the provider's name. */
export interface ProviderCapabilities {
  /**
   * Interruptible (spot) machines, with interruption notices. Without it the
   * scheduler launches a spot pool on-demand and never marks, or re-runs, a
   * job as interrupted.
   */
  spot: boolean;
  /**
   * One call launches many machines over several placements (EC2 Fleet).
   * Without it the launcher sends one machine per call.
   */
  fleetBatching: boolean;
  /**
   * Machines can be stopped and started again, and resized while stopped
   * ({@link Provider.stopStart}; stopped warm pools use it, see
   * scheduler/stopped_pool.ts).
   */
  stopStart: boolean;
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
  /**
   * Launch the machines able to hibernate ({@link StopStartControl.stop}),
   * a stopped pool's of one size (shared/launch/standby_wait.ts). EC2 allows
   * it only at launch, on-demand, on an encrypted root volume.
   */
  hibernation?: boolean;
}

/**
 * How a provider failure is handled, decided once by the provider's adapter:
 * - `capacity`: no room there now; wait, then try elsewhere (unbounded, with backoff);
 * - `throttled`: the provider refused to act for now (rate limit, server error); the same call is safe to repeat;
 * - `permanent`: the pool or account is wrong; fail the jobs with the provider's text;
 * - `unknown`: a code nobody classified; retried a bounded number of times, then permanent.
 */
export type LaunchErrorKind = "capacity" | "throttled" | "permanent" | "unknown";

/**
 * Every kind of provider error: those a launch may report as failures, and
 * `transient`, a call the provider never answered (network, timeout), whose
 * outcome is unknown.
 */
export type ProviderErrorKind = LaunchErrorKind | "transient";

/** A provider call failed; `providerCode` is the provider's own code (e.g. EC2's `InvalidGroup.NotFound`). */
export abstract class ProviderError extends GantryError {
  abstract readonly kind: ProviderErrorKind;
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

/**
 * The provider did not answer (network, timeout): the call's outcome is
 * unknown, so a launch is replayed later with the same client token.
 */
export class TransientError extends ProviderError {
  readonly kind = "transient";
  constructor(message: string, options: { providerCode: string; cause?: unknown }) {
    super("provider_unreachable", message, options);
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

/**
 * What launched nothing, and why: the placements of this size and slot (a
 * failure naming only one excludes every placement that has it; one naming
 * neither stands for the whole call).
 */
export interface LaunchFailure {
  size?: string;
  slot?: string;
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

/** A machine a launch gave, and where it landed. */
export interface LaunchedMachine {
  id: string;
  /** The size it was launched at (one of the request's placements' sizes). */
  size: string;
  /** The failure domain it landed in, for prices and the console; null when unknown. */
  zone: string | null;
  /** The slot it was launched into; null when the provider did not say. */
  slot: string | null;
  isSpot: boolean;
}

/** What a price depends on: the machine's size, its zone (spot prices vary by zone), its market. */
export type PricedMachine = Pick<LaunchedMachine, "size" | "zone" | "isSpot">;

/** What the provider says of a machine. */
export interface MachineState {
  id: string;
  /** pending, running, shutting-down, terminated, stopping, stopped, or "gone" when unknown to it. */
  state: string;
  /** The provider's own reason code, for the audit (EC2: `Client.UserInitiatedShutdown`). */
  stateReason: string | null;
  /** The provider took the machine back because its spot capacity was reclaimed. */
  isSpotReclaimed: boolean;
}

/** What a terminate call could not act on. */
export interface TerminateOutcome {
  notFound: string[];
}

export interface Provider {
  readonly capabilities: ProviderCapabilities;
  /**
   * Every place a machine of the pool may go (size × slot), best first. A
   * batch's client token records which of them it leaves out, by index, so
   * the order must only change when the pool does.
   */
  placementsOf(pool: PoolSpec): Placement[];
  /** Materialises the pool's template when its spec changed or it vanished; returns where it is. */
  ensureTemplate(pool: PoolSpec): Promise<PoolTemplate>;
  /**
   * Launches up to `count` machines in one call. Capacity shortages,
   * configuration errors and unknown codes come back as failures. A
   * {@link PermanentError} thrown fails the batch's jobs; an
   * {@link UnknownProviderError} is replayed a bounded number of times, then
   * fails them; any other throw ({@link ThrottledError}, {@link TransientError})
   * means the call's fate is unknown, so it is replayed with the same client
   * token after a backoff.
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
  quote(machine: PricedMachine): Promise<number | null>;
  /** Present exactly when `capabilities.stopStart` is. */
  readonly stopStart?: StopStartControl;
}

/**
 * Stopping and starting machines, each call safe to repeat: a machine
 * already where it is asked to go is left as it is.
 */
export interface StopStartControl {
  /**
   * Stops running machines (their disks stay; they cost only storage). With
   * `hibernate`, machines launched with {@link LaunchRequest.hibernation}
   * keep their memory, and a start resumes them where they were; one that
   * cannot hibernate is stopped plainly.
   */
  stop(ids: readonly string[], options?: { hibernate?: boolean }): Promise<void>;
  /** Starts stopped machines. */
  start(ids: readonly string[]): Promise<void>;
  /**
   * Changes a stopped machine's size, so one stopped pool serves several
   * sizes. False when it keeps its size: a hibernated machine cannot change it.
   */
  resize(id: string, size: string): Promise<boolean>;
}
