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
      const response = githubError(403, SECONDARY_MESSAGE);
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

/**
 * GitHub's secondary rate limit as its REST docs describe it ("Rate limits
 * for the REST API", secondary rate limits): requests cost points, 1 for a
 * GET, HEAD or OPTIONS and 5 for any write, and an endpoint that has taken
 * more than its points in a minute answers 403 with `retry-after` (seconds
 * until the minute is over) and GitHub's message. Kept per endpoint (method
 * and path with its ids), so one busy endpoint does not starve the others.
 */
export class SecondaryLimit {
  readonly #windows = new Map<string, { startedAt: number; points: number }>();

  constructor(readonly pointsPerMinute: number, readonly now: () => number) {}

  /** Spends the call's points; the refusal when the endpoint's minute is spent. */
  spend(method: string, path: string): Response | undefined {
    const at = this.now();
    const key = endpointOf(method, path);
    let window = this.#windows.get(key);
    if (window === undefined || at - window.startedAt >= 60_000) {
      window = { startedAt: at, points: 0 };
      this.#windows.set(key, window);
    }
    const cost = pointsOf(method);
    if (window.points + cost > this.pointsPerMinute) {
      const response = githubError(403, SECONDARY_MESSAGE);
      const seconds = Math.max(1, Math.ceil((window.startedAt + 60_000 - at) / 1000));
      response.headers.set("retry-after", String(seconds));
      return response;
    }
    window.points += cost;
    return undefined;
  }
}

const SECONDARY_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/** Points a request costs against the secondary limit. */
export function pointsOf(method: string): number {
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) ? 1 : 5;
}

/** The endpoint a path belongs to: numeric ids become `{id}`. */
export function endpointOf(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
}
