/**
 * The core's main loop: long-poll the edge for events, handle each in order,
 * ack what was handled, nack the rest with a growing delay.
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

export interface LeaseLoopOptions {
  queue: JobQueue;
  events: JobEvents;
  log: Logger;
  batch: number;
  waitMs: number;
  /** How long leased events stay hidden from other cores (default 120 s). */
  leaseMs?: number;
  signal: AbortSignal;
  /** Aborts a lease request in flight too (a second signal): its events come back when the lease expires. */
  hardStop?: AbortSignal;
}

/** Delay before an event that failed is offered again: 5 s, 10 s, 20 s … capped at 5 min. */
export function retryDelayMs(deliveries: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, deliveries - 1));
}

export async function runLeaseLoop(options: LeaseLoopOptions): Promise<void> {
  const { queue, events, log, signal } = options;
  let backoffMs = 500;
  while (!signal.aborted) {
    let leased: LeasedEvent[];
    try {
      leased = await queue.lease(
        { max: options.batch, waitMs: options.waitMs, leaseMs: options.leaseMs ?? 120_000 },
        options.hardStop,
      );
      backoffMs = 500;
    } catch (error) {
      if (signal.aborted) break;
      log.warn("lease failed; retrying", { error, retryInMs: backoffMs });
      await sleep(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 30_000);
      continue;
    }
    const handled: LeaseRef[] = [];
    let next = 0;
    for (; next < leased.length && !signal.aborted; next++) {
      const event = leased[next];
      const ref = { eventId: event.eventId, leaseId: event.leaseId };
      const context = {
        jobId: jobIdOf(event.message),
        correlationId: correlationIdOf(event.message),
        deliveryId: event.message.deliveryId,
        event: event.message.type === "workflow_job" ? event.message.action : event.message.kind,
      };
      log.debug("event leased", { ...context, deliveries: event.deliveries });
      try {
        await events.handle(event.message);
        handled.push(ref);
      } catch (error) {
        const delayMs = retryDelayMs(event.deliveries);
        log.warn("event failed; will retry", {
          ...context,
          deliveries: event.deliveries,
          retryInMs: delayMs,
          error,
        });
        await queue.nack([ref], delayMs).catch((nackError) =>
          log.warn("nack failed; lease will expire instead", { ...context, error: nackError })
        );
      }
    }
    if (handled.length > 0) {
      await queue.ack(handled).catch((error) =>
        log.warn("ack failed; events will be redelivered and skipped as done", { error })
      );
    }
    const unstarted = leased.slice(next).map((e) => ({ eventId: e.eventId, leaseId: e.leaseId }));
    if (unstarted.length > 0) {
      // Shutting down: hand back what we never started, for another core (or our restart) now.
      await queue.nack(unstarted, 0).then(
        (released) => log.info("released unstarted leases", { leases: unstarted.length, released }),
        (error) => log.warn("release failed; leases will expire instead", { error }),
      );
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
