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

/** Which launches a capacity shortage affects; an omitted list means all. */
export interface CapacityShortage {
  /** How long the shortage lasts, in milliseconds. */
  ms: number;
  instanceTypes?: string[];
  azs?: string[];
}

/** A launch-rate limit: `burst` launch calls at once, refilled at `ratePerSecond`. */
export interface TokenBucket {
  ratePerSecond: number;
  burst: number;
}

/** The failures a test can inject. */
export interface FaultControl {
  /** Every EC2 call fails with RequestLimitExceeded (HTTP 503) for `ms`; 0 lifts it. */
  throttle(ms: number): void;
  /** Launches of matching types/zones fail with InsufficientInstanceCapacity for `ms`. */
  insufficientCapacity(shortage: CapacityShortage): void;
  /** Spot launches of matching types/zones find no capacity (`capacity-not-available` in a fleet). */
  spotShortage(shortage: CapacityShortage): void;
  /** Matching types are `Unsupported` in matching zones for `ms`. */
  unsupported(shortage: CapacityShortage): void;
  /** RunInstances and CreateFleet act at once but answer only after `ms` more, for `forMs`. */
  stallLaunches(options: { ms: number; forMs: number }): void;
  /** Limits RunInstances and CreateFleet to a token bucket; null removes the limit. */
  tokenBucket(bucket: TokenBucket | null): void;
  /** Reclaims a spot instance: shutting-down with Server.SpotInstanceTermination, then terminated. */
  interruptSpot(instanceId: string): void;
  /** Lifts every fault. */
  clear(): void;
}

type Shortage = {
  kind: "on-demand" | "spot" | "unsupported";
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
  #bucket?: TokenBucket & { tokens: number; refilledAt: number };
  #instances: InstanceStore;
  #now: () => number;

  constructor(instances: InstanceStore, now: () => number = Date.now) {
    this.#instances = instances;
    this.#now = now;
  }

  throttle(ms: number): void {
    this.#throttledUntil = this.#now() + ms;
  }

  insufficientCapacity(shortage: CapacityShortage): void {
    this.#short("on-demand", shortage);
    this.#short("spot", shortage);
  }

  spotShortage(shortage: CapacityShortage): void {
    this.#short("spot", shortage);
  }

  unsupported(shortage: CapacityShortage): void {
    this.#short("unsupported", shortage);
  }

  stallLaunches(options: { ms: number; forMs: number }): void {
    this.#stall = { ms: options.ms, until: this.#now() + options.forMs };
  }

  /** How long to hold back the answer to this action (0: answer at once). */
  stallMs(action: string, now: number): number {
    return LAUNCH_ACTIONS.has(action) && now < this.#stall.until ? this.#stall.ms : 0;
  }

  #short(kind: Shortage["kind"], shortage: CapacityShortage): void {
    const { ms, instanceTypes, azs } = shortage;
    this.#shortages.push({ kind, until: this.#now() + ms, instanceTypes, azs });
  }

  tokenBucket(bucket: TokenBucket | null): void {
    this.#bucket = bucket
      ? { ...bucket, tokens: bucket.burst, refilledAt: this.#now() }
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
  }

  /** Throws RequestLimitExceeded when the account is throttled or a launch finds the bucket empty. */
  admit(action: string, now: number): void {
    if (now < this.#throttledUntil || (LAUNCH_ACTIONS.has(action) && !this.#takeToken(now))) {
      throw new Ec2ApiError("RequestLimitExceeded", "Request limit exceeded.", 503);
    }
  }

  /**
   * The error for a launch of this type into this zone, if any: Unsupported,
   * InsufficientInstanceCapacity, or for spot in a fleet `capacity-not-available`.
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
        "capacity-not-available",
        `There is no Spot capacity available that matches your request (${instanceType}, ${availabilityZone}).`,
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

  #takeToken(now: number): boolean {
    const bucket = this.#bucket;
    if (!bucket) return true;
    const refill = ((now - bucket.refilledAt) / 1000) * bucket.ratePerSecond;
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + refill);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
