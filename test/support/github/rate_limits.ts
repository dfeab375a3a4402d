/**
 * Rate limiting on demand: the next `count` API calls are refused the way
 * GitHub refuses them, so a client's throttling can be tested.
 *
 * - primary: 403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset` in
 *   `resetInSeconds`, "API rate limit exceeded for installation ID …"
 * - secondary: 403 with `retry-after`, "You have exceeded a secondary rate limit …"
 *
 * @module
 */
import { githubError } from "./rest.ts";

/** What a test asks for. */
export interface RateLimitFault {
  kind: "primary" | "secondary";
  /** How many calls to refuse. */
  count: number;
  /** primary: when the window resets; secondary: the retry-after. Default 1. */
  resetInSeconds?: number;
}

/** Refusals still to hand out, oldest fault first. */
export class RateLimits {
  #pending: (RateLimitFault & { left: number })[] = [];

  add(fault: RateLimitFault): void {
    this.#pending.push({ ...fault, left: fault.count });
  }

  clear(): void {
    this.#pending = [];
  }

  /** The refusal for this call, if a fault still has one to give. */
  refusal(now: number): Response | undefined {
    const fault = this.#pending.find((f) => f.left > 0);
    if (!fault) return undefined;
    fault.left -= 1;
    const seconds = fault.resetInSeconds ?? 1;
    if (fault.kind === "secondary") {
      const response = githubError(
        403,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      );
      response.headers.set("retry-after", String(seconds));
      return response;
    }
    const response = githubError(403, "API rate limit exceeded for installation.");
    response.headers.set("x-ratelimit-limit", "5000");
    response.headers.set("x-ratelimit-remaining", "0");
    response.headers.set("x-ratelimit-used", "5000");
    response.headers.set("x-ratelimit-reset", String(Math.ceil(now / 1000 + seconds)));
    response.headers.set("x-ratelimit-resource", "core");
    return response;
  }
}
