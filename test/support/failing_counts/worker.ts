/**
 * The edge Worker with a queue object that refuses webhook refusal counts:
 * edge/index.ts unchanged, its JobQueue's `count` throwing for every
 * `webhook_rejected:*` counter, so a test can see what the refusal counter
 * (edge/webhook/rejection_counter.ts) does when its flush fails. Nothing
 * outside the isolate can make that write fail. Only
 * test/edge/webhook_refusal_flush_test.ts runs it, from a config written by
 * `testWorkerConfig` (test/support/edge.ts); wrangler.toml names
 * edge/index.ts, so no deployed Worker holds it.
 *
 * @module
 */
import app from "../../../edge/index.ts";
import { JobQueue as EdgeJobQueue } from "../../../edge/index.ts";

export { LoginThrottle, RunnerVault, SessionRevocations } from "../../../edge/index.ts";

/** The edge's queue object, its refusal counters out of order. */
export class JobQueue extends EdgeJobQueue {
  override count(name: string, by = 1): void {
    if (name.startsWith("webhook_rejected:")) throw new Error("refusal counters are out of order");
    super.count(name, by);
  }
}

export default app;
