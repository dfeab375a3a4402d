/**
 * The edge Worker with the queue's prune alarm in reach of a test: edge/index.ts
 * unchanged, its JobQueue extended by two RPC methods (run the alarm now, read
 * when the next one is due) and two routes that call them on the first shard.
 * workerd fires a Durable Object's alarm on the wall clock (an hour away), and
 * `alarm()` is not callable over RPC, so without this a test could not see a
 * prune. Only test/edge/queue_clock_test.ts runs it, from a config written by
 * `testWorkerConfig` (test/support/edge.ts); wrangler.toml names edge/index.ts,
 * so no deployed Worker holds it (test/edge/mutation_hook_test.ts checks the
 * deploy bundle).
 *
 * @module
 */
import type { ExecutionContext } from "hono";
import app from "../../../edge/index.ts";
import type { Env } from "../../../edge/env.ts";
import { JobQueue as EdgeJobQueue } from "../../../edge/index.ts";
import { QUEUE_ALARM_PATH } from "./path.ts";

export { LoginThrottle, RunnerVault, SessionRevocations } from "../../../edge/index.ts";

/** The edge's queue object, plus what a test needs to see its alarm. */
export class JobQueue extends EdgeJobQueue {
  /** Runs the prune alarm now, as workerd would when it is due. */
  async runAlarm(): Promise<void> {
    await this.alarm();
  }

  /** When the next alarm is due (epoch ms), or null when none is set. */
  async alarmAt(): Promise<number | null> {
    return await this.ctx.storage.getAlarm();
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (new URL(request.url).pathname !== QUEUE_ALARM_PATH) {
      return await app.fetch(request, env, ctx);
    }
    const queue = env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName("primary")) as unknown as {
      runAlarm(): Promise<void>;
      alarmAt(): Promise<number | null>;
    };
    if (request.method === "POST") await queue.runAlarm();
    return Response.json({ alarmAt: await queue.alarmAt() });
  },
};
