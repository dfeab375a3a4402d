/**
 * Counts an AWS SDK client's calls by outcome, each attempt (a retried call
 * counts each try, so throttles show as they happen): a middleware added to
 * the client's stack, so no provider code changes and nothing here imports
 * the SDK.
 */
import type { CallMetrics } from "./core_metrics.ts";

/** EC2's answers that mean "slow down". */
const THROTTLE_CODES = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
]);

type Next = (args: unknown) => Promise<unknown>;

/** The part of an SDK client's middleware stack this needs. */
export interface MiddlewareStackOf {
  middlewareStack: {
    add(
      middleware: (next: Next) => Next,
      options: { step: "deserialize"; name: string },
    ): void;
  };
}

export function countSdkCalls(client: MiddlewareStackOf, metrics: CallMetrics): void {
  client.middlewareStack.add((next) => async (args) => {
    try {
      const result = await next(args);
      metrics.call("ec2", "ok");
      return result;
    } catch (error) {
      const name = (error as { name?: unknown; Code?: unknown }).name;
      metrics.call(
        "ec2",
        typeof name === "string" && THROTTLE_CODES.has(name) ? "throttled" : "error",
      );
      throw error;
    }
  }, { step: "deserialize", name: "gantryCallMetrics" });
}
