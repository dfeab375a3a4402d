/**
 * Which queue shard an event lives in. One Durable Object serialises its
 * writes (about a thousand small ones a second); past that the edge spreads
 * events over several objects keyed by GitHub App installation, so one busy
 * organisation cannot slow another and every job's events stay together
 * (dedupe by job and action is per shard). Runner callbacks carry no
 * installation; they are spread by job id.
 *
 * Event ids leave the edge with their shard folded in (`local × 64 + shard`),
 * so cores and the console keep treating them as plain numbers.
 *
 * @module
 */
import type { QueueMessage } from "./schema/edge_core.ts";
import { fnv1a32 } from "./fnv.ts";

/** The most shards a deployment may have; also the id multiplier. */
export const MAX_QUEUE_SHARDS = 64;

/** The shard key of an event: its installation, or for runner callbacks its job. */
export function shardKeyOf(message: QueueMessage): string {
  return message.type === "workflow_job"
    ? `installation:${message.job.installationId ?? "none"}`
    : `job:${message.jobId}`;
}

/** The shard (0 … shards−1) of `key`: FNV-1a, stable across runtimes and releases. */
export function shardOf(key: string, shards: number): number {
  return fnv1a32(key) % shards;
}

/** A shard's own event id, as the world sees it. */
export function globalEventId(shard: number, localId: number): number {
  return localId * MAX_QUEUE_SHARDS + shard;
}

/** The shard and its own id behind a world-facing event id. */
export function localEventId(globalId: number): { shard: number; localId: number } {
  return { shard: globalId % MAX_QUEUE_SHARDS, localId: Math.floor(globalId / MAX_QUEUE_SHARDS) };
}
