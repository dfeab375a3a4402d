/**
 * Injected failures, switched on by a test (or over HTTP by another process):
 * API throttling, a launch-rate token bucket, capacity shortages per
 * instance type and zone (on-demand or spot), instance types unsupported in a
 * zone, launch answers held back (to kill a client between EC2 acting and
 * the client hearing of it), and spot interruptions.
 *
 * @module
 */

import type { InstanceStore } from "./instances.ts";
import { Ec2ApiError } from "./protocol.ts";
import { Bucket, requestLimitExceeded } from "./rate_limits.ts";

/**
 * When a fault's window opens: at once, or at the next launch call
 * (RunInstances or CreateFleet), which it then already affects. Drills use
 * the latter, so the window covers the core's launches however long the
 * core takes to start on a loaded machine.
 */
export type FaultStart = "now" | "next-launch";

/** Which launches a capacity shortage affects; an omitted list means all. */
export interface CapacityShortage {
  /** How long the shortage lasts, in milliseconds. */
  ms: number;
  instanceTypes?: string[];
  azs?: string[];
  /** Default "now". */
  from?: FaultStart;
}

/**
 * A launch-rate limit harsher than EC2's own (rate_limits.ts, always on top
 * of this): `burst` launch calls at once, refilled at `ratePerSecond`.
 */
export interface TokenBucket {
  ratePerSecond: number;
  burst: number;
}

/** The failures a test can inject. */
export interface FaultControl {
  /** Every EC2 call fails with RequestLimitExceeded (HTTP 503) for `ms`; 0 lifts it. */
  throttle(ms: number, options?: { from?: FaultStart }): void;
  /** Launches of matching types/zones fail with InsufficientInstanceCapacity for `ms`. */
  insufficientCapacity(shortage: CapacityShortage): void;
  /** Spot launches of matching types/zones find no capacity (`UnfulfillableCapacity` in a fleet). */
  spotShortage(shortage: CapacityShortage): void;
  /**
   * Launches of matching types/zones fail with this EC2 error code for `ms`
   * (RunInstances whole, a fleet in `Errors[]`): for codes Gantry does not know.
   */
  launchError(fault: CapacityShortage & { code: string; message?: string }): void;
  /** Every call of `action` fails with this code for `ms` (e.g. UnauthorizedOperation on DeleteLaunchTemplateVersions). */
  failAction(
    fault: { action: string; code: string; message?: string; status?: number; ms: number },
  ): void;
  /** The subnet has `total` usable addresses (default {@link DEFAULT_SUBNET_ADDRESSES}); live instances use one each. */
  subnetAddresses(subnetId: string, total: number): void;
  /** Matching types are `Unsupported` in matching zones for `ms`. */
  unsupported(shortage: CapacityShortage): void;
  /** RunInstances and CreateFleet act at once but answer only after `ms` more, for `forMs`. */
  stallLaunches(options: { ms: number; forMs: number }): void;
  /**
   * Limits RunInstances and CreateFleet together to a token bucket of calls,
   * on top of EC2's documented limits; null removes this extra limit.
   */
  tokenBucket(bucket: TokenBucket | null): void;
  /** Reclaims a spot instance: shutting-down with Server.SpotInstanceTermination, then terminated. */
  interruptSpot(instanceId: string): void;
  /** Lifts every fault. */
  clear(): void;
}

/** Usable addresses of a subnet nobody configured: a /20 less AWS's five reserved ones. */
export const DEFAULT_SUBNET_ADDRESSES = 4091;

type Shortage = {
  kind: "on-demand" | "spot" | "unsupported" | "error";
  error?: { code: string; message?: string };
  until: number;
  instanceTypes?: string[];
  azs?: string[];
};

/** The actions a launch-rate bucket meters. */
const LAUNCH_ACTIONS = new Set(["RunInstances", "CreateFleet"]);

/** Fault state plus the checks the request pipeline runs against it. */
export class Faults implements FaultControl {
  #throttledUntil = 0;
  #shortages: Shortage[] = [];
  #stall = { ms: 0, until: 0 };
  #bucket?: Bucket;
  #subnetAddresses = new Map<string, number>();
  #failing: { action: string; error: Ec2ApiError; until: number }[] = [];
  #instances: InstanceStore;
  #now: () => number;
  /** Faults waiting for the next launch call to open their window, with its time. */
  #atNextLaunch: ((now: number) => void)[] = [];

  constructor(instances: InstanceStore, now: () => number = Date.now) {
    this.#instances = instances;
    this.#now = now;
  }

  throttle(ms: number, options: { from?: FaultStart } = {}): void {
    this.#open(options.from, (now) => this.#throttledUntil = now + ms);
  }

  insufficientCapacity(shortage: CapacityShortage): void {
    this.#open(shortage.from, (now) => {
      this.#short("on-demand", shortage, now);
      this.#short("spot", shortage, now);
    });
  }

  #open(from: FaultStart = "now", open: (now: number) => void): void {
    if (from === "now") open(this.#now());
    else this.#atNextLaunch.push(open);
  }

  spotShortage(shortage: CapacityShortage): void {
    this.#open(shortage.from, (now) => this.#short("spot", shortage, now));
  }

  unsupported(shortage: CapacityShortage): void {
    this.#open(shortage.from, (now) => this.#short("unsupported", shortage, now));
  }

  launchError(fault: CapacityShortage & { code: string; message?: string }): void {
    const { ms, instanceTypes, azs, code, message } = fault;
    this.#open(fault.from, (now) =>
      this.#shortages.push({
        kind: "error",
        error: { code, message },
        until: now + ms,
        instanceTypes,
        azs,
      }));
  }

  failAction(
    fault: { action: string; code: string; message?: string; status?: number; ms: number },
  ): void {
    const message = fault.message ?? `Injected ${fault.code} for ${fault.action}.`;
    this.#failing.push({
      action: fault.action,
      error: new Ec2ApiError(fault.code, message, fault.status ?? 400),
      until: this.#now() + fault.ms,
    });
  }

  subnetAddresses(subnetId: string, total: number): void {
    this.#subnetAddresses.set(subnetId, total);
  }

  /** Free addresses of a subnet now: its total less its live (not terminated) instances. */
  freeAddresses(subnetId: string): number {
    const total = this.#subnetAddresses.get(subnetId) ?? DEFAULT_SUBNET_ADDRESSES;
    const used =
      this.#instances.list().filter((instance) =>
        instance.subnetId === subnetId && instance.state !== "terminated"
      ).length;
    return Math.max(0, total - used);
  }

  stallLaunches(options: { ms: number; forMs: number }): void {
    this.#stall = { ms: options.ms, until: this.#now() + options.forMs };
  }

  /** How long to hold back the answer to this action (0: answer at once). */
  stallMs(action: string, now: number): number {
    return LAUNCH_ACTIONS.has(action) && now < this.#stall.until ? this.#stall.ms : 0;
  }

  #short(kind: Shortage["kind"], shortage: CapacityShortage, now: number): void {
    const { ms, instanceTypes, azs } = shortage;
    this.#shortages.push({ kind, until: now + ms, instanceTypes, azs });
  }

  tokenBucket(bucket: TokenBucket | null): void {
    this.#bucket = bucket
      ? new Bucket({ capacity: bucket.burst, refillPerSecond: bucket.ratePerSecond }, this.#now())
      : undefined;
  }

  interruptSpot(instanceId: string): void {
    this.#instances.interruptSpot(instanceId, this.#now());
  }

  clear(): void {
    this.#throttledUntil = 0;
    this.#shortages = [];
    this.#bucket = undefined;
    this.#stall = { ms: 0, until: 0 };
    this.#subnetAddresses.clear();
    this.#failing = [];
    this.#atNextLaunch = [];
  }

  /**
   * Throws an injected failure of this action, or RequestLimitExceeded when
   * the account is throttled or a launch finds the bucket empty.
   */
  admit(action: string, now: number): void {
    if (LAUNCH_ACTIONS.has(action) && this.#atNextLaunch.length > 0) {
      for (const open of this.#atNextLaunch.splice(0)) open(now);
    }
    const failing = this.#failing.find((fault) => fault.action === action && fault.until > now);
    if (failing) throw failing.error;
    if (now < this.#throttledUntil) throw requestLimitExceeded();
    if (LAUNCH_ACTIONS.has(action) && this.#bucket && !this.#bucket.take(1, now)) {
      throw requestLimitExceeded();
    }
  }

  /**
   * The error for a launch of this type into this zone, if any: Unsupported,
   * an injected code, InsufficientInstanceCapacity, or for spot in a fleet
   * `UnfulfillableCapacity` (as "Error codes for the Amazon EC2 API" documents it).
   */
  capacityError(
    instanceType: string,
    availabilityZone: string,
    now: number,
    market: { lifecycle?: "on-demand" | "spot"; isFleet?: boolean } = {},
  ) {
    const lifecycle = market.lifecycle ?? "on-demand";
    const matches = (kind: Shortage["kind"]) =>
      this.#shortages.some((shortage) =>
        shortage.kind === kind && shortage.until > now &&
        (shortage.instanceTypes?.includes(instanceType) ?? true) &&
        (shortage.azs?.includes(availabilityZone) ?? true)
      );
    const injected = this.#shortages.find((shortage) =>
      shortage.kind === "error" && shortage.until > now &&
      (shortage.instanceTypes?.includes(instanceType) ?? true) &&
      (shortage.azs?.includes(availabilityZone) ?? true)
    );
    if (injected?.error) {
      return new Ec2ApiError(
        injected.error.code,
        injected.error.message ??
          `Injected ${injected.error.code} (${instanceType}, ${availabilityZone}).`,
      );
    }
    if (matches("unsupported")) {
      return new Ec2ApiError(
        "Unsupported",
        `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${availabilityZone}). ` +
          "Please retry your request by not specifying an Availability Zone or choosing a different one.",
      );
    }
    if (!matches(lifecycle)) return undefined;
    if (lifecycle === "spot" && market.isFleet) {
      return new Ec2ApiError(
        "UnfulfillableCapacity",
        `At this time there isn't enough spare capacity to fulfill your request for Spot Instances (${instanceType}, ${availabilityZone}).`,
        500,
      );
    }
    return new Ec2ApiError(
      "InsufficientInstanceCapacity",
      `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${availabilityZone}). ` +
        "Our system will be working on provisioning additional capacity. You can currently get " +
        `${instanceType} capacity by not specifying an Availability Zone in your request or choosing a different one.`,
      500,
    );
  }
}
