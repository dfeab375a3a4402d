import type { DurableObjectStub } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { JobQueue } from "./job_queue.ts";

/**
 * The queue object for this deployment. One object serves one Gantry
 * installation; see docs/architecture.md for sharding past its throughput.
 */
export function queueOf(env: Env): DurableObjectStub<JobQueue> {
  return env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName("primary"));
}
