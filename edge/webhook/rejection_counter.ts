/**
 * Webhook refusals counted in the isolate and added to the queue object's
 * counters at most once per {@link FLUSH_INTERVAL_MS}: a flood of forged or
 * oversized webhooks costs the object (which also serves real enqueues and
 * leases) one small write per isolate per interval, not one per request.
 * The first refusal of a quiet isolate is flushed at once, so /metrics shows
 * it without waiting.
 */
import type { Env } from "../env.ts";
import { queueOf } from "../queue/queue_of.ts";
import { edgeLog } from "../log.ts";

/** The longest a refusal waits in the isolate before it reaches /metrics. */
export const FLUSH_INTERVAL_MS = 10_000;

const pending = new Map<string, number>();
let lastFlushAt = 0;
let isFlushScheduled = false;

/**
 * Counts one refusal for `reason`; returns the flush to hand to `waitUntil`,
 * or null when one is already on its way.
 */
export function countRejection(env: Env, reason: string, now = Date.now()): Promise<void> | null {
  const name = `webhook_rejected:${reason}`;
  pending.set(name, (pending.get(name) ?? 0) + 1);
  if (isFlushScheduled) return null;
  isFlushScheduled = true;
  const delay = Math.max(0, lastFlushAt + FLUSH_INTERVAL_MS - now);
  return (async () => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const counts = [...pending];
    pending.clear();
    lastFlushAt = Date.now();
    isFlushScheduled = false;
    const queue = queueOf(env);
    try {
      await Promise.all(counts.map(([counter, by]) => queue.count(counter, by)));
    } catch (error) {
      // Lost counts are a metrics gap, not a reason to fail anything; say so once.
      edgeLog.warn("webhook rejection counts not flushed", {
        error: error instanceof Error ? error.name : String(error),
      });
    }
  })();
}
