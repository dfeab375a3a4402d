/**
 * Telling "libSQL could not be reached" (wait and replay) from "libSQL refused
 * the statement" (a bug or a conflict: surface it).
 */

/** A libSQL call that got no answer in time. */
export class DatabaseTimeoutError extends Error {
  override name = "DatabaseTimeoutError";
}

const NETWORK_MESSAGE =
  /fetch failed|error sending request|connection (refused|reset|closed)|network|timed? ?out|socket|ECONN|EPIPE|broken pipe/i;

/** Whether `error` means libSQL was unreachable, overloaded or too slow, so the write may be replayed. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof DatabaseTimeoutError) return true;
  if (!(error instanceof Error)) return false;
  if (error instanceof TypeError) return NETWORK_MESSAGE.test(error.message);
  const code = (error as { code?: unknown }).code;
  if (code === "SERVER_ERROR") {
    // The Hrana client's answer to a non-2xx HTTP status: 5xx, 429 and 408 are outages.
    const status = Number(/HTTP status (\d{3})/.exec(error.message)?.[1]);
    return status >= 500 || status === 429 || status === 408;
  }
  if (
    typeof code === "string" && /^(ECONN|ETIMEDOUT|EPIPE|HRANA_WEBSOCKET|HRANA_CLOSED)/.test(code)
  ) {
    return true;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isUnreachable(cause);
}
