/**
 * The core's main loop: long-poll the edge for events, handle them (one job's
 * events in order, different jobs concurrently), ack what was handled, nack
 * the rest with a growing delay. While the edge says more events wait behind
 * a lease (or a lease of several is being recorded), the launcher holds its
 * batches until the last part is recorded, so a burst leased in parts still
 * launches in few calls; a lone event's job launches at once.
 *
 * Shutdown (`signal` aborts): no new lease is asked for; a lease request
 * already out is let finish (it may hand us events) unless `hardStop` aborts
 * too; the event in hand finishes, including its launch; every event leased
 * but not started is released at once (nack, no delay) for another core.
 * The loop's lines about an event carry its correlation id and delivery id;
 * handlers' lines carry the job id, from which the logger derives the same
 * correlation id.
 */
import {
  correlationIdOf,
  jobIdOf,
  type LeasedEvent,
  type LeaseRef,
} from "../../shared/schema/edge_core.ts";
import type { JobQueue } from "../edge_client/edge_client.ts";
import type { Logger } from "../log.ts";
import type { JobEvents } from "./job_events.ts";
import type { Launcher } from "./launcher.ts";
import { sleep } from "../sleep.ts";

export interface LeaseLoopOptions {
  queue: JobQueue;
  events: JobEvents;
  /** Told whether more events wait at the edge, so it gathers a burst leased in parts. */
  launcher: Pick<Launcher, "expectMore">;
  log: Logger;
  batch: number;
  waitMs: number;
  /** How long leased events stay hidden from other cores (default 120 s). */
  leaseMs?: number;
  signal: AbortSignal;
  /** Aborts a lease request in flight too (a second signal): its events come back when the lease expires. */
  hardStop?: AbortSignal;
  /** Jobs whose events are handled at once (default 16). */
  concurrency?: number;
  /** Told after each answered lease (the core's liveness, reported on its control call). */
  onLeased?: () => void;
}

const DEFAULT_CONCURRENCY = 16;

/** Delay before an event that failed is offered again: 5 s, 10 s, 20 s … capped at 5 min. */
export function retryDelayMs(deliveries: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, deliveries - 1));
}

export async function runLeaseLoop(options: LeaseLoopOptions): Promise<void> {
  const { queue, events, launcher, log, signal } = options;
  let backoffMs = 500;
  while (!signal.aborted) {
    let leased: LeasedEvent[];
    let backlog: number;
    try {
      const lease = await queue.lease(
        { max: options.batch, waitMs: options.waitMs, leaseMs: options.leaseMs ?? 120_000 },
        options.hardStop,
      );
      leased = lease.events;
      backlog = lease.backlog;
      backoffMs = 500;
      options.onLeased?.();
    } catch (error) {
      if (signal.aborted) break;
      launcher.expectMore(false);
      log.warn("lease failed; retrying", { error, retryInMs: backoffMs });
      await sleep(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 30_000);
      continue;
    }
    const handled: LeaseRef[] = [];
    const started = new Set<LeasedEvent>();
    // Events of one job run in lease order; different jobs run side by side, so a
    // burst of queued jobs reaches the launcher together and batches into few calls.
    const handleInOrder = async (group: LeasedEvent[]) => {
      for (const [index, event] of group.entries()) {
        if (signal.aborted) return;
        started.add(event);
        if (await handleOne(event)) {
          handled.push({ eventId: event.eventId, leaseId: event.leaseId });
          continue;
        }
        // The job's later events wait as long as the failed one, so they stay in order.
        const rest = group.slice(index + 1);
        for (const later of rest) started.add(later);
        if (rest.length > 0) {
          await queue.nack(
            rest.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId })),
            retryDelayMs(event.deliveries),
          ).catch((error) => log.warn("nack failed; leases will expire instead", { error }));
        }
        return;
      }
    };
    const handleOne = async (event: LeasedEvent): Promise<boolean> => {
      const context = {
        jobId: jobIdOf(event.message),
        correlationId: correlationIdOf(event.message),
        deliveryId: event.message.deliveryId,
        event: event.message.type === "workflow_job" ? event.message.action : event.message.kind,
      };
      log.debug("event leased", { ...context, deliveries: event.deliveries });
      try {
        await events.handle(event.message);
        return true;
      } catch (error) {
        const delayMs = retryDelayMs(event.deliveries);
        log.warn("event failed; will retry", {
          ...context,
          deliveries: event.deliveries,
          retryInMs: delayMs,
          error,
        });
        const ref = { eventId: event.eventId, leaseId: event.leaseId };
        await queue.nack([ref], delayMs).catch((nackError) =>
          log.warn("nack failed; lease will expire instead", { ...context, error: nackError })
        );
        return false;
      }
    };
    // More of a burst at the edge, or several events in hand still to record: the launcher
    // gathers rather than launch a part. Told the burst is over only once its last part is
    // recorded, so that part joins too. A lone event launches at once.
    if (backlog > 0 || leased.length > 1) launcher.expectMore(true);
    await runLimited(groupByJob(leased), options.concurrency ?? DEFAULT_CONCURRENCY, handleInOrder);
    if (backlog === 0) launcher.expectMore(false);
    if (handled.length > 0) {
      await queue.ack(handled).catch((error) =>
        log.warn("ack failed; events will be redelivered and skipped as done", { error })
      );
    }
    const unstarted = leased.filter((e) => !started.has(e)).map((e) => ({
      eventId: e.eventId,
      leaseId: e.leaseId,
    }));
    if (unstarted.length > 0) {
      // Shutting down: hand back what we never started, for another core (or our restart) now.
      await queue.nack(unstarted, 0).then(
        (released) => log.info("released unstarted leases", { leases: unstarted.length, released }),
        (error) => log.warn("release failed; leases will expire instead", { error }),
      );
    }
  }
}

/** Leased events grouped by the job they concern, groups and events in lease order. */
export function groupByJob(leased: readonly LeasedEvent[]): LeasedEvent[][] {
  const groups = new Map<string, LeasedEvent[]>();
  for (const event of leased) {
    const key = jobIdOf(event.message);
    const group = groups.get(key) ?? [];
    group.push(event);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function runLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
