/**
 * Burst batching, as data: which jobs share a launch call, the client token
 * that makes the call idempotent, and where a retry may still launch.
 *
 * The client token is the batch's whole identity: it encodes when the batch
 * was formed, how many machines it asks for and which placements it left out,
 * so a core restarted mid-launch rebuilds the very same request from the token
 * recorded on the job rows, and the provider answers it with the machines it
 * already launched instead of launching more.
 *
 * @module
 */

/** What makes two jobs launchable by one call: same pool, repo, pin and market. */
export interface BatchKeyInput {
  poolId: string;
  repo: string;
  /** The `gantry-run=<id>` pin, if the job carries one: it gets runners of its own. */
  pin?: string;
  /** A re-run after a spot interruption launches on-demand whatever the pool says. */
  isForcedOnDemand?: boolean;
}

/** The batching group of a job. */
export function batchKeyOf(input: BatchKeyInput): string {
  return `${input.poolId}|${input.repo}|${input.pin ?? ""}|${input.isForcedOnDemand ? "od" : ""}`;
}

/**
 * One place a pool may launch a machine, best first: a machine `size` in a
 * `slot`. Both are opaque to the scheduler; each provider says what they
 * are in its own folder (a container size on a Docker host, a resource
 * class in a Kubernetes node pool, …).
 */
export interface Placement {
  /** How big a machine is, in the provider's own names. */
  size: string;
  /** Where in the provider it goes (a host, a zone, a network: the provider's own name). */
  slot: string;
  /** 0 is the most preferred (for the `prioritized` strategy). */
  priority: number;
}

/** Every (size × slot) of a pool, sizes in the operator's order of preference. */
export function placementsOf(
  sizes: readonly string[],
  slots: readonly string[],
): Placement[] {
  return sizes.flatMap((size, t) => slots.map((slot) => ({ size, slot, priority: t })));
}

/** The placements left after `excluded` (bit i set: placement i left out). */
export function remainingPlacements(all: readonly Placement[], excluded: bigint): Placement[] {
  return all.filter((_, i) => (excluded & (1n << BigInt(i))) === 0n);
}

/**
 * The exclusion mask for placements that failed, matched on size and slot;
 * a failure that names neither excludes every placement.
 */
export function exclusionOf(
  all: readonly Placement[],
  failed: readonly { size?: string; slot?: string }[],
): bigint {
  let mask = 0n;
  all.forEach((placement, i) => {
    const hit = failed.some((f) =>
      (f.size === undefined || f.size === placement.size) &&
      (f.slot === undefined || f.slot === placement.slot)
    );
    if (hit) mask |= 1n << BigInt(i);
  });
  // With nothing left to try, try everything again: capacity comes back.
  return remainingPlacements(all, mask).length === 0 ? 0n : mask;
}

/** A batch's launch call, as the token records it. */
export interface BatchToken {
  /** When the batch was formed (epoch ms); also dates the runners' batch token. */
  issuedAt: number;
  /** Machines asked for. */
  count: number;
  /** Placements left out (see {@link remainingPlacements}). */
  excluded: bigint;
  /** The job id and attempt for a batch of one, else a hash of the batch's jobs. */
  tail: string;
}

/** EC2 accepts client tokens up to 64 ASCII characters. */
export const MAX_CLIENT_TOKEN_LENGTH = 64;

/** The client token of a batch of jobs (ids with the attempt each is on). */
export function clientTokenOf(
  jobs: readonly { id: string; attempt: number }[],
  options: { issuedAt: number; excluded?: bigint },
): string {
  if (jobs.length === 0) throw new RangeError("a batch has at least one job");
  const tail = jobs.length === 1
    ? `${jobs[0].id}-${jobs[0].attempt}`
    : hashOf(jobs.map((job) => `${job.id}:${job.attempt}`).sort().join(","));
  const token = `g${options.issuedAt.toString(36)}-${jobs.length}-${
    (options.excluded ?? 0n).toString(16)
  }-${tail}`;
  if (token.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw new RangeError(`client token too long (${token.length}): ${token}`);
  }
  return token;
}

const TOKEN = /^g([0-9a-z]+)-(\d+)-([0-9a-f]+)-([0-9A-Za-z-]+)$/;

/** Reads a token made by {@link clientTokenOf}; null for anything else. */
export function parseClientToken(token: string): BatchToken | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  return {
    issuedAt: parseInt(match[1], 36),
    count: Number(match[2]),
    excluded: BigInt(`0x${match[3]}`),
    tail: match[4],
  };
}

/** Backoff between launch attempts that met no capacity (EC2's advice: wait, then spread). */
export interface RetrySchedule {
  /** Delay before retry k (1-based) is `delaysMs[k-1]`, the last repeating. */
  delaysMs: readonly number[];
  /** ± this fraction of the delay, at random, so cores and pools do not retry in step. */
  jitter: number;
}

/** 30, 60, 120, 240, then every 300 s, ±20 %. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  delaysMs: [30_000, 60_000, 120_000, 240_000, 300_000],
  jitter: 0.2,
};

/** The delay before the `failures`-th retry; `random` in [0, 1). */
export function retryDelayMs(failures: number, schedule: RetrySchedule, random: number): number {
  const { delaysMs, jitter } = schedule;
  const base = delaysMs[Math.min(Math.max(failures, 1), delaysMs.length) - 1] ?? 0;
  return Math.round(base * (1 - jitter + 2 * jitter * random));
}

/** FNV-1a, 64 bits as two 32-bit halves, hex: short, stable, not a secret. */
function hashOf(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c ^ (a >>> 7), 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
