import type { DurableObjectStub } from "cloudflare:workers";
import { ConfigError } from "../../shared/errors.ts";
import { MAX_QUEUE_SHARDS } from "../../shared/queue_shard.ts";
import type { Env } from "../env.ts";
import type { JobQueue } from "./job_queue.ts";
import { ShardedQueue } from "./sharded_queue.ts";

/**
 * The job queue of this deployment: `QUEUE_SHARDS` Durable Objects (default
 * 1) behind one interface. Shard 0 keeps the name "primary", so a deployment
 * that grows from one shard keeps its buffered events. See
 * docs/architecture.md, "Queue sharding".
 */
export function queueOf(env: Env): ShardedQueue {
  const shards = shardCountOf(env);
  const stubs: DurableObjectStub<JobQueue>[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const name = shard === 0 ? "primary" : `shard-${shard}`;
    stubs.push(env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(name)));
  }
  return new ShardedQueue(stubs);
}

function shardCountOf(env: Env): number {
  const text = env.QUEUE_SHARDS ?? "1";
  const shards = Number(text);
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_QUEUE_SHARDS) {
    throw new ConfigError(
      `QUEUE_SHARDS must be a whole number from 1 to ${MAX_QUEUE_SHARDS}, not "${text}"`,
    );
  }
  return shards;
}
