/** How the GitHub adapters read Octokit's errors. */
import { UpstreamError } from "../../shared/errors.ts";

/**
 * A refusal that asking again will not change: 404, or a 403 that is not a
 * rate limit (GitHub answers both limits with 403 too, and says so).
 */
export function isRefusal(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return true;
  if (status !== 403) return false;
  const message = String((error as { message?: unknown }).message ?? "");
  return !/rate limit/i.test(message);
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** An UpstreamError naming the call and its HTTP status, never the request or its token. */
export function upstream(what: string, cause: unknown): UpstreamError {
  const status = statusOf(cause);
  return new UpstreamError(`${what} failed${status ? ` (HTTP ${status})` : ""}`, { cause });
}
