/**
 * The queue's shards behind the one interface the routes use. Events go to
 * the shard of their key (`shared/queue_shard.ts`); a lease long-polls every
 * shard at once and the first to answer ends the others' waits; acks, nacks
 * and requeues find their shard from the event id.
 */
import type { DurableObjectStub } from "cloudflare:workers";
import { globalEventId, localEventId, shardKeyOf, shardOf } from "../../shared/queue_shard.ts";
import type {
  LeasedEvent,
  LeaseRef,
  LeaseRequest,
  QueueMessage,
} from "../../shared/schema/edge_core.ts";
import type { DeadLetter, EnqueueResult, JobQueue, QueueStats } from "./job_queue.ts";

export class ShardedQueue {
  readonly #shards: readonly DurableObjectStub<JobQueue>[];

  constructor(shards: readonly DurableObjectStub<JobQueue>[]) {
    this.#shards = shards;
  }

  enqueue(message: QueueMessage): Promise<EnqueueResult> {
    return this.#shardOf(message).enqueue(message);
  }

  async lease(coreId: string, request: LeaseRequest): Promise<LeasedEvent[]> {
    if (this.#shards.length === 1) {
      return withShard(0, await this.#shards[0].lease(coreId, request));
    }
    // First a sweep that takes what is ready, from a random shard on so none starves.
    const events: LeasedEvent[] = [];
    const start = Math.floor(Math.random() * this.#shards.length);
    for (let i = 0; i < this.#shards.length && events.length < request.max; i++) {
      const index = (start + i) % this.#shards.length;
      const ready = { ...request, max: request.max - events.length, waitMs: 0 };
      events.push(...withShard(index, await this.#shards[index].lease(coreId, ready)));
    }
    if (events.length > 0 || request.waitMs === 0) return events;
    return await this.#longPoll(coreId, request);
  }

  /** Waits on every shard at once; the first to answer ends the others' waits. */
  async #longPoll(coreId: string, request: LeaseRequest): Promise<LeasedEvent[]> {
    const waitKey = crypto.randomUUID();
    let isAnswered = false;
    const polls = this.#shards.map(async (shard, index) => {
      const events = await shard.lease(coreId, request, waitKey);
      if (events.length > 0 && !isAnswered) {
        isAnswered = true;
        await Promise.all(
          this.#shards.map((other, i) => i === index ? undefined : other.cancelWait(waitKey)),
        );
      }
      return withShard(index, events);
    });
    const events = (await Promise.all(polls)).flat();
    // Shards woken at the same moment may together exceed `max`: hand the
    // rest back unspent (not counted as a delivery) rather than over-deliver.
    const surplus = events.splice(request.max);
    if (surplus.length > 0) {
      await Promise.all(
        this.#byShard(surplus).map(([index, local]) => this.#shards[index].release(local)),
      );
    }
    return events;
  }

  /** Events ready to lease on every shard (each counted up to its limit). */
  async backlog(): Promise<number> {
    const counts = await Promise.all(this.#shards.map((shard) => shard.backlog()));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async ack(refs: readonly LeaseRef[]): Promise<number> {
    const settled = await Promise.all(
      this.#byShard(refs).map(([index, local]) => this.#shards[index].ack(local)),
    );
    return settled.reduce((sum, n) => sum + n, 0);
  }

  async nack(refs: readonly LeaseRef[], delayMs: number): Promise<number> {
    const settled = await Promise.all(
      this.#byShard(refs).map(([index, local]) => this.#shards[index].nack(local, delayMs)),
    );
    return settled.reduce((sum, n) => sum + n, 0);
  }

  /** Adds to a counter (kept on the first shard; sums are taken over all). */
  count(name: string, by = 1): Promise<void> {
    return this.#shards[0].count(name, by);
  }

  async counters(): Promise<Record<string, number>> {
    const sum: Record<string, number> = {};
    for (const counters of await Promise.all(this.#shards.map((shard) => shard.counters()))) {
      for (const [name, value] of Object.entries(counters)) sum[name] = (sum[name] ?? 0) + value;
    }
    return sum;
  }

  async stats(): Promise<QueueStats> {
    const all = await Promise.all(this.#shards.map((shard) => shard.stats()));
    return all.reduce((sum, s) => ({
      ready: sum.ready + s.ready,
      leased: sum.leased + s.leased,
      delayed: sum.delayed + s.delayed,
      dead: sum.dead + s.dead,
    }), { ready: 0, leased: 0, delayed: 0, dead: 0 });
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const all = await Promise.all(
      this.#shards.map(async (shard, index) =>
        (await shard.deadLetters(limit)).map((letter) => ({
          ...letter,
          eventId: globalEventId(index, letter.eventId),
        }))
      ),
    );
    return all.flat().sort((a, b) => b.deadAt - a.deadAt).slice(0, limit);
  }

  requeue(eventId: number): Promise<boolean> {
    const { shard, localId } = localEventId(eventId);
    const stub = this.#shards[shard];
    return stub ? stub.requeue(localId) : Promise.resolve(false);
  }

  #shardOf(message: QueueMessage): DurableObjectStub<JobQueue> {
    return this.#shards[shardOf(shardKeyOf(message), this.#shards.length)];
  }

  /** Refs grouped by the shard that leased them, with the shard's own ids. */
  #byShard(refs: readonly LeaseRef[]): [number, LeaseRef[]][] {
    const groups = new Map<number, LeaseRef[]>();
    for (const ref of refs) {
      const { shard, localId } = localEventId(ref.eventId);
      // An id from a shard this deployment no longer has cannot be settled; its lease expires.
      if (shard >= this.#shards.length) continue;
      const group = groups.get(shard) ?? [];
      group.push({ eventId: localId, leaseId: ref.leaseId });
      groups.set(shard, group);
    }
    return [...groups];
  }
}

function withShard(shard: number, events: LeasedEvent[]): LeasedEvent[] {
  return events.map((event) => ({ ...event, eventId: globalEventId(shard, event.eventId) }));
}
