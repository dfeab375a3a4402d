/**
 * The core's main loop: long-poll the edge for events, handle each in order,
 * ack what was handled, nack the rest with a growing delay. Stops leasing when
 * `signal` aborts and returns after the in-flight batch is settled.
 */
import { jobIdOf, type LeasedEvent, type LeaseRef } from "../../shared/schema/edge_core.ts";
import type { JobQueue } from "../edge_client/edge_client.ts";
import type { Logger } from "../log.ts";
import type { JobEvents } from "./job_events.ts";

export interface LeaseLoopOptions {
  queue: JobQueue;
  events: JobEvents;
  log: Logger;
  batch: number;
  waitMs: number;
  signal: AbortSignal;
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
        { max: options.batch, waitMs: options.waitMs, leaseMs: 120_000 },
        signal,
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
    for (const event of leased) {
      const ref = { eventId: event.eventId, leaseId: event.leaseId };
      const jobId = jobIdOf(event.message);
      try {
        await events.handle(event.message);
        handled.push(ref);
      } catch (error) {
        const delayMs = retryDelayMs(event.deliveries);
        log.warn("event failed; will retry", {
          jobId,
          event: event.message.type === "workflow_job" ? event.message.action : event.message.kind,
          deliveries: event.deliveries,
          retryInMs: delayMs,
          error,
        });
        await queue.nack([ref], delayMs).catch((nackError) =>
          log.warn("nack failed; lease will expire instead", { jobId, error: nackError })
        );
      }
    }
    if (handled.length > 0) {
      await queue.ack(handled).catch((error) =>
        log.warn("ack failed; events will be redelivered and skipped as done", { error })
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
