import type { DurableObjectStub } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { settingsOf } from "../settings.ts";
import type { JobQueue } from "./job_queue.ts";
import { ShardedQueue } from "./sharded_queue.ts";

/**
 * The job queue of this deployment: `QUEUE_SHARDS` Durable Objects (default
 * 1, checked with the other numeric vars in settings.ts) behind one
 * interface. Shard 0 keeps the name "primary", so a deployment that grows
 * from one shard keeps its buffered events. See docs/architecture.md,
 * "Queue sharding".
 *
 * @throws {ConfigError} when QUEUE_SHARDS is not a whole number from 1 to 64.
 */
export function queueOf(env: Env): ShardedQueue {
  const shards = settingsOf(env).QUEUE_SHARDS;
  const stubs: DurableObjectStub<JobQueue>[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const name = shard === 0 ? "primary" : `shard-${shard}`;
    stubs.push(env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(name)));
  }
  return new ShardedQueue(stubs);
}
