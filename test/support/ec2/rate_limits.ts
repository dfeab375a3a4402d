/**
 * EC2's API rate limits as AWS documents them ("Request throttling for the
 * Amazon EC2 API", EC2 developer guide), per account and Region — here, per
 * emulator:
 *
 * - **Request buckets**, one per API action, one token per request. The size
 *   depends on the action's category: non-mutating (`Describe*`, `List*`,
 *   `Search*`, `Get*`) 100 refilled at 20/s; a few of those, asked without a
 *   filter, pagination or a list of ids, 50 at 10/s; mutating 50 at 5/s; and the
 *   "uncategorized" actions their own (RunInstances and StartInstances 5 at
 *   2/s, TerminateInstances 100 at 5/s, CreateTags 100 at 10/s, …).
 * - **Resource buckets**, one token per instance the request touches:
 *   RunInstances 1,000 at 2/s, StartInstances 1,000 at 2/s, TerminateInstances
 *   1,000 at 20/s, StopInstances 1,000 at 20/s.
 *
 * An instant CreateFleet is not in the docs' resource table (its request
 * bucket is the mutating one), but it launches instances as RunInstances
 * does, and the instances it launches are charged to the RunInstances
 * resource bucket here: an emulator that let fleets launch without limit
 * would flatter the core's burst figures.
 *
 * A request that finds a bucket empty answers as EC2 does: HTTP 503,
 * `RequestLimitExceeded`, "Request limit exceeded.".
 *
 * @module
 */

import { Ec2ApiError, type Params } from "./protocol.ts";

/** A bucket's size and refill, as the docs' tables give them. */
export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** A token bucket on an injected time line (epoch ms passed in): starts full. */
export class Bucket {
  #tokens: number;
  #refilledAt: number;

  constructor(readonly limit: BucketLimit, now: number) {
    this.#tokens = limit.capacity;
    this.#refilledAt = now;
  }

  /** Tokens in the bucket at `now` (fractions included). */
  tokensAt(now: number): number {
    const refill = (Math.max(0, now - this.#refilledAt) / 1000) * this.limit.refillPerSecond;
    return Math.min(this.limit.capacity, this.#tokens + refill);
  }

  /** Takes `n` tokens if the bucket holds them all at `now` (all or none). */
  take(n: number, now: number): boolean {
    this.#tokens = this.tokensAt(now);
    this.#refilledAt = Math.max(this.#refilledAt, now);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

/** "Non-mutating actions": the `Describe*`, `List*`, `Search*` and `Get*` actions. */
export const NON_MUTATING: BucketLimit = { capacity: 100, refillPerSecond: 20 };
/** "Unfiltered and unpaginated non-mutating actions". */
export const UNFILTERED_NON_MUTATING: BucketLimit = { capacity: 50, refillPerSecond: 10 };
/** "Mutating actions" (and "resource-intensive actions", which have the same numbers). */
export const MUTATING: BucketLimit = { capacity: 50, refillPerSecond: 5 };

/** The non-mutating actions that use the smaller bucket when asked without filter or pagination. */
const UNFILTERED_SUBSET = new Set([
  "DescribeInstances",
  "DescribeInstanceStatus",
  "DescribeNetworkInterfaces",
  "DescribeSecurityGroups",
  "DescribeSnapshots",
  "DescribeSpotInstanceRequests",
  "DescribeVolumes",
]);

/** "Uncategorized actions" with their own request buckets (those the emulator serves or soon may). */
export const UNCATEGORIZED: Readonly<Record<string, BucketLimit>> = {
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  CreateLaunchTemplateVersion: { capacity: 100, refillPerSecond: 5 },
  ModifyLaunchTemplate: { capacity: 100, refillPerSecond: 5 },
  ModifyInstanceMetadataOptions: { capacity: 100, refillPerSecond: 5 },
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
};

/** "Resource token bucket sizes and refill rates", keyed by the bucket's action. */
export const RESOURCE_BUCKETS: Readonly<Record<string, BucketLimit>> = {
  RunInstances: { capacity: 1000, refillPerSecond: 2 },
  TerminateInstances: { capacity: 1000, refillPerSecond: 20 },
  StartInstances: { capacity: 1000, refillPerSecond: 2 },
  StopInstances: { capacity: 1000, refillPerSecond: 20 },
};

/** Which request bucket a request draws on: its name and limit. */
export function requestBucketOf(
  action: string,
  params: Params,
): { name: string; limit: BucketLimit } {
  const own = UNCATEGORIZED[action];
  if (own) return { name: action, limit: own };
  if (!/^(Describe|List|Search|Get)/.test(action)) return { name: action, limit: MUTATING };
  // The docs name filters and pagination; a list of ids narrows a describe as much (our reading).
  const isNarrowed = Object.keys(params).some((key) =>
    key.startsWith("Filter.") || key === "MaxResults" || key === "NextToken" ||
    /^[A-Za-z]+Id\.\d+$/.test(key)
  );
  if (UNFILTERED_SUBSET.has(action) && !isNarrowed) {
    return { name: `${action}:unfiltered`, limit: UNFILTERED_NON_MUTATING };
  }
  return { name: action, limit: NON_MUTATING };
}

/** Which resource bucket a request draws on, and how many instances it charges; none for most. */
export function resourceChargeOf(
  action: string,
  params: Params,
): { name: string; limit: BucketLimit; count: number } | undefined {
  if (action === "RunInstances") {
    const count = Number(params.MaxCount ?? params.MinCount ?? 1);
    return { name: action, limit: RESOURCE_BUCKETS.RunInstances, count };
  }
  if (action === "CreateFleet") {
    const count = Number(params["TargetCapacitySpecification.TotalTargetCapacity"] ?? 0);
    return { name: "RunInstances", limit: RESOURCE_BUCKETS.RunInstances, count };
  }
  const limit = RESOURCE_BUCKETS[action];
  if (!limit) return undefined;
  const count = Object.keys(params).filter((key) => /^InstanceId\.\d+$/.test(key)).length;
  return { name: action, limit, count };
}

/** Whether the emulator enforces AWS's limits (the default) or none. */
export type RateLimitMode = "aws" | "off";

/** The account's buckets, created full on first use. */
export class RateLimits {
  #mode: RateLimitMode;
  readonly #requests = new Map<string, Bucket>();
  readonly #resources = new Map<string, Bucket>();

  constructor(mode: RateLimitMode = "aws") {
    this.#mode = mode;
  }

  get mode(): RateLimitMode {
    return this.#mode;
  }

  /** Switches the limits on or off; either way every bucket starts full again. */
  setMode(mode: RateLimitMode): void {
    this.#mode = mode;
    this.reset();
  }

  /** Refills every bucket (a fresh account). */
  reset(): void {
    this.#requests.clear();
    this.#resources.clear();
  }

  /**
   * Spends this request's tokens, or throws RequestLimitExceeded. A replay of
   * a client token already answered launches nothing, so it spends a request
   * token only.
   */
  admit(action: string, params: Params, at: { now: number; isReplay: boolean }): void {
    if (this.#mode === "off") return;
    const request = requestBucketOf(action, params);
    if (!bucketIn(this.#requests, request, at.now).take(1, at.now)) throw requestLimitExceeded();
    const resource = at.isReplay ? undefined : resourceChargeOf(action, params);
    if (!resource || resource.count === 0) return;
    if (!bucketIn(this.#resources, resource, at.now).take(resource.count, at.now)) {
      throw requestLimitExceeded();
    }
  }
}

function bucketIn(
  buckets: Map<string, Bucket>,
  which: { name: string; limit: BucketLimit },
  now: number,
): Bucket {
  let bucket = buckets.get(which.name);
  if (!bucket) {
    bucket = new Bucket(which.limit, now);
    buckets.set(which.name, bucket);
  }
  return bucket;
}

/** EC2's answer to a request over its limit. */
export function requestLimitExceeded(): Ec2ApiError {
  return new Ec2ApiError("RequestLimitExceeded", "Request limit exceeded.", 503);
}
