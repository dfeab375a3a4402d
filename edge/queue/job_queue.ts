/**
 * The durable job queue: a SQLite-backed Durable Object that buffers every
 * accepted webhook until a core acks it.
 *
 * Invariants the object owns:
 * - an event is stored before the webhook is answered 2xx (enqueue returns
 *   only after the write);
 * - a redelivery (same delivery id, or same job and action) is a no-op;
 * - a leased event is invisible to every other core until acked, nacked or
 *   its lease expires (then it is redelivered with a higher delivery count);
 * - an event delivered MAX_DELIVERIES times without an ack is dead-lettered.
 *
 * Two clocks: the instants the object records (when a dedupe key was seen,
 * when an event was enqueued or died, how long it waited for its first
 * lease) and the dedupe horizon read the edge's clock (edge/clock.ts), so a
 * test can pin them and step across a bound; timers (visibility, lease
 * expiry, long-poll deadlines, the prune alarm) run on the wall clock,
 * because workerd fires them on it.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState } from "cloudflare:workers";
import { nowOf } from "../clock.ts";
import {
  dedupeKeyOf,
  type LeasedEvent,
  type LeaseRef,
  type LeaseRequest,
  QueueMessage,
} from "../../shared/schema/edge_core.ts";
import type { Env } from "../env.ts";

/** Deliveries after which an event goes to the dead letters. */
export const MAX_DELIVERIES = 10;
/** A backlog is counted up to this: past it, "many" is all a core needs to know. */
const BACKLOG_COUNT_LIMIT = 10_000;
/** How long dedupe keys are remembered (GitHub redelivers for days). */
const SEEN_TTL_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
/** A cancel that arrived before (or after) its lease is forgotten after this. */
const CANCELLED_WAIT_TTL_MS = 60_000;
/** Histogram buckets of queued→leased latency (first delivery only). */
export const LEASE_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 1000, 5000, 30000] as const;

export interface EnqueueResult {
  status: "queued" | "duplicate";
}

export interface QueueStats {
  ready: number;
  leased: number;
  delayed: number;
  dead: number;
}

export interface DeadLetter {
  eventId: number;
  deliveries: number;
  enqueuedAt: number;
  deadAt: number;
  message: QueueMessage;
}

type EventRow = {
  id: number;
  message: string;
  enqueued_at: number;
  deliveries: number;
  dead_at: number | null;
};

export class JobQueue extends DurableObject<Env> {
  /** Cores blocked in a long-poll lease, woken by enqueue. */
  #waiters = new Set<() => void>();
  /** Wait keys of multi-shard leases answered elsewhere, with when they were cancelled. */
  #cancelledWaits = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message TEXT NOT NULL,
        enqueued_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        lease_id TEXT,
        leased_by TEXT,
        deliveries INTEGER NOT NULL DEFAULT 0,
        dead_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS events_ready ON events (dead_at, visible_at, id);
      CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
    `);
  }

  /** Stores a message unless it was seen before; resolves only once it is durable. */
  async enqueue(message: QueueMessage): Promise<EnqueueResult> {
    const now = Date.now();
    const at = nowOf(this.env);
    const keys = [`delivery:${message.deliveryId}`, dedupeKeyOf(message)];
    const sql = this.ctx.storage.sql;
    const isDuplicate = this.ctx.storage.transactionSync(() => {
      const seen = sql.exec<{ n: number }>(
        "SELECT count(*) AS n FROM seen WHERE key IN (?, ?)",
        ...keys,
      ).one().n;
      if (seen > 0) return true;
      for (const key of keys) sql.exec("INSERT INTO seen (key, at) VALUES (?, ?)", key, at);
      sql.exec(
        "INSERT INTO events (message, enqueued_at, visible_at) VALUES (?, ?, ?)",
        JSON.stringify(message),
        at,
        now,
      );
      return false;
    });
    this.count(isDuplicate ? "webhooks_duplicate" : `enqueued_${message.type}`);
    if (!isDuplicate) {
      this.#wakeWaiters();
      await this.#ensurePruneAlarm();
    }
    return { status: isDuplicate ? "duplicate" : "queued" };
  }

  /**
   * Leases up to `max` ready events to `coreId`, waiting up to `waitMs` for one
   * to arrive. A lease polled on several shards at once names a `waitKey`; once
   * one shard answered, the others are told to stop waiting (`cancelWait`).
   */
  async lease(coreId: string, request: LeaseRequest, waitKey?: string): Promise<LeasedEvent[]> {
    const deadline = Date.now() + request.waitMs;
    try {
      for (;;) {
        const events = this.#take(coreId, request);
        const now = Date.now();
        if (events.length > 0 || now >= deadline) return events;
        if (waitKey !== undefined && this.#cancelledWaits.has(waitKey)) return [];
        const nextVisible = this.#nextVisibleAt();
        const wakeAt = nextVisible === null ? deadline : Math.min(deadline, nextVisible);
        await this.#waitForWork(Math.max(1, wakeAt - now));
      }
    } finally {
      if (waitKey !== undefined) this.#cancelledWaits.delete(waitKey);
    }
  }

  /** Ends the long-poll named `waitKey` (it may not have arrived yet; it then returns at once). */
  cancelWait(waitKey: string): void {
    const now = Date.now();
    for (const [key, at] of this.#cancelledWaits) {
      if (at < now - CANCELLED_WAIT_TTL_MS) this.#cancelledWaits.delete(key);
    }
    this.#cancelledWaits.set(waitKey, now);
    this.#wakeWaiters();
  }

  /** Deletes events whose lease is still held by the caller; returns how many.
   * (Counted with RETURNING: `rowsWritten` also counts index writes.) */
  ack(refs: readonly LeaseRef[]): number {
    let settled = 0;
    for (const ref of refs) {
      settled += this.ctx.storage.sql.exec(
        "DELETE FROM events WHERE id = ? AND lease_id = ? AND dead_at IS NULL RETURNING id",
        ref.eventId,
        ref.leaseId,
      ).toArray().length;
    }
    return settled;
  }

  /** Releases leases so the events are redelivered after `delayMs`. */
  nack(refs: readonly LeaseRef[], delayMs: number): number {
    const visibleAt = Date.now() + delayMs;
    let settled = 0;
    for (const ref of refs) {
      settled += this.ctx.storage.sql.exec(
        `UPDATE events SET lease_id = NULL, leased_by = NULL, visible_at = ?
         WHERE id = ? AND lease_id = ? AND dead_at IS NULL RETURNING id`,
        visibleAt,
        ref.eventId,
        ref.leaseId,
      ).toArray().length;
    }
    if (delayMs === 0) this.#wakeWaiters();
    return settled;
  }

  /** Hands leased events back untouched: visible again at once, the delivery not counted. */
  release(refs: readonly LeaseRef[]): number {
    let released = 0;
    for (const ref of refs) {
      released += this.ctx.storage.sql.exec(
        `UPDATE events SET lease_id = NULL, leased_by = NULL, visible_at = ?,
         deliveries = max(deliveries - 1, 0)
         WHERE id = ? AND lease_id = ? AND dead_at IS NULL RETURNING id`,
        Date.now(),
        ref.eventId,
        ref.leaseId,
      ).toArray().length;
    }
    if (released > 0) this.#wakeWaiters();
    return released;
  }

  /** Adds to a named counter (webhook outcomes, lease latency buckets). */
  count(name: string, by = 1): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
      name,
      by,
    );
  }

  /** Every counter, for /metrics. */
  counters(): Record<string, number> {
    const rows = this.ctx.storage.sql.exec<{ name: string; value: number }>(
      "SELECT name, value FROM counters",
    ).toArray();
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  /**
   * Events ready to lease right now, counted up to `limit` (an index range,
   * cheap however long the queue): told to a core with its lease, so it knows
   * more of a burst is waiting.
   */
  backlog(limit = BACKLOG_COUNT_LIMIT): number {
    return this.ctx.storage.sql.exec<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM events
         WHERE dead_at IS NULL AND visible_at <= ? LIMIT ?)`,
      Date.now(),
      limit,
    ).one().n;
  }

  /** Counts for /metrics and the console. */
  stats(): QueueStats {
    const now = Date.now();
    return this.ctx.storage.sql.exec<QueueStats>(
      `SELECT
         coalesce(sum(dead_at IS NULL AND visible_at <= ?), 0) AS ready,
         coalesce(sum(dead_at IS NULL AND visible_at > ? AND lease_id IS NOT NULL), 0) AS leased,
         coalesce(sum(dead_at IS NULL AND visible_at > ? AND lease_id IS NULL), 0) AS delayed,
         coalesce(sum(dead_at IS NOT NULL), 0) AS dead
       FROM events`,
      now,
      now,
      now,
    ).one();
  }

  /** Events the queue gave up on, newest first. */
  deadLetters(limit = 100): DeadLetter[] {
    return this.ctx.storage.sql.exec<EventRow>(
      `SELECT id, message, enqueued_at, deliveries, dead_at FROM events
       WHERE dead_at IS NOT NULL ORDER BY dead_at DESC LIMIT ?`,
      limit,
    ).toArray().map((row) => ({
      eventId: row.id,
      deliveries: row.deliveries,
      enqueuedAt: row.enqueued_at,
      deadAt: row.dead_at ?? 0,
      message: QueueMessage.parse(JSON.parse(row.message)),
    }));
  }

  /** Puts a dead letter back in the queue with a fresh delivery count. */
  requeue(eventId: number): boolean {
    const changed = this.ctx.storage.sql.exec(
      `UPDATE events SET dead_at = NULL, deliveries = 0, lease_id = NULL, leased_by = NULL,
       visible_at = ? WHERE id = ? AND dead_at IS NOT NULL RETURNING id`,
      Date.now(),
      eventId,
    ).toArray().length;
    if (changed > 0) this.#wakeWaiters();
    return changed > 0;
  }

  /** Forgets dedupe keys older than the redelivery horizon. */
  async alarm(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM seen WHERE at < ?", nowOf(this.env) - SEEN_TTL_MS);
    await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
  }

  #take(coreId: string, request: LeaseRequest): LeasedEvent[] {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const at = nowOf(this.env);
      const rows = sql.exec<EventRow>(
        `SELECT id, message, enqueued_at, deliveries, dead_at FROM events
         WHERE dead_at IS NULL AND visible_at <= ? ORDER BY id LIMIT ?`,
        now,
        request.max,
      ).toArray();
      const leased: LeasedEvent[] = [];
      for (const row of rows) {
        if (row.deliveries >= MAX_DELIVERIES) {
          sql.exec("UPDATE events SET dead_at = ?, lease_id = NULL WHERE id = ?", at, row.id);
          continue;
        }
        const leaseId = crypto.randomUUID();
        sql.exec(
          `UPDATE events SET lease_id = ?, leased_by = ?, visible_at = ?,
           deliveries = deliveries + 1 WHERE id = ?`,
          leaseId,
          coreId,
          now + request.leaseMs,
          row.id,
        );
        if (row.deliveries === 0) this.#observeLeaseLatency(at - row.enqueued_at);
        leased.push({
          eventId: row.id,
          leaseId,
          deliveries: row.deliveries + 1,
          enqueuedAt: row.enqueued_at,
          message: QueueMessage.parse(JSON.parse(row.message)),
        });
      }
      return leased;
    });
  }

  #observeLeaseLatency(ms: number): void {
    for (const bound of LEASE_LATENCY_BUCKETS_MS) {
      if (ms <= bound) this.count(`lease_latency_ms_bucket:${bound}`);
    }
    this.count("lease_latency_ms_bucket:+Inf");
    this.count("lease_latency_ms_sum", Math.round(ms));
  }

  #nextVisibleAt(): number | null {
    return this.ctx.storage.sql.exec<{ at: number | null }>(
      "SELECT min(visible_at) AS at FROM events WHERE dead_at IS NULL",
    ).one().at;
  }

  #waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #wakeWaiters(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async #ensurePruneAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
    }
  }
}
