/**
 * The edge Worker with a queue object that fails to store one job: edge/index.ts
 * unchanged, its JobQueue's `enqueue` throwing for GitHub job id
 * 13, so a test can see what the webhook route
 * (edge/webhook/route.ts) answers when the queue is down. Nothing outside the
 * isolate can make a Durable Object fail. Only
 * test/edge/webhook_queue_down_test.ts runs it, from a config written by
 * `testWorkerConfig` (test/support/edge.ts); wrangler.toml names
 * edge/index.ts, so no deployed Worker holds it.
 *
 * @module
 */
import app from "../../../edge/index.ts";
import { JobQueue as EdgeJobQueue } from "../../../edge/index.ts";
import type { QueueMessage } from "../../../shared/schema/edge_core.ts";

export { LoginThrottle, RunnerVault, SessionRevocations } from "../../../edge/index.ts";

/** The job whose webhook the queue object refuses to store (a Worker exports only handlers). */
const UNSTORABLE_JOB_ID = 13;

/** The edge's queue object, unable to store one job. */
export class JobQueue extends EdgeJobQueue {
  override async enqueue(message: QueueMessage) {
    if (message.type === "workflow_job" && message.job.githubJobId === UNSTORABLE_JOB_ID) {
      throw new Error("storage is out of order");
    }
    return await super.enqueue(message);
  }
}

export default app;
