/**
 * What to do with jobs a launch call gave no machine, from the failures it
 * met (each already classified by the provider's adapter): wait and retry
 * elsewhere on capacity, retry later when throttled, fail at once on a
 * permanent error, and retry an unknown code a bounded number of times before
 * failing with its code and message.
 *
 * @module
 */

/** A failure as the provider classified it. */
export interface ClassifiedFailure {
  kind: "capacity" | "throttled" | "permanent" | "unknown";
  code: string;
  message: string;
}

export type ShortfallPlan =
  | { action: "fail"; reason: string }
  | { action: "retry"; reason: string; isUnknown: boolean };

/** Retries of an unknown code before its jobs fail. */
export const MAX_UNKNOWN_RETRIES = 3;

/** The plan for a shortfall; `unknownRetries` is how often these jobs already retried an unknown code. */
export function planShortfall(
  failures: readonly ClassifiedFailure[],
  options: { unknownRetries: number; maxUnknownRetries?: number },
): ShortfallPlan {
  const max = options.maxUnknownRetries ?? MAX_UNKNOWN_RETRIES;
  const of = (kind: ClassifiedFailure["kind"]) => failures.filter((f) => f.kind === kind);
  const codes = (list: ClassifiedFailure[]) => [...new Set(list.map((f) => f.code))].join(", ");
  const messages = (list: ClassifiedFailure[]) =>
    [...new Set(list.map((f) => f.message))].join("; ");
  const capacity = of("capacity");
  if (failures.length === 0 || capacity.length > 0) {
    const reason = capacity.length > 0 ? codes(capacity) : "fewer machines than asked";
    return {
      action: "retry",
      reason: `no capacity (${reason}); retrying elsewhere`,
      isUnknown: false,
    };
  }
  const unknown = of("unknown");
  if (unknown.length > 0) {
    if (options.unknownRetries >= max) {
      return {
        action: "fail",
        reason: `launch failed after ${max} retries of an unclassified error: ${messages(unknown)}`,
      };
    }
    return {
      action: "retry",
      reason: `unclassified launch error (${codes(unknown)}); retry ${
        options.unknownRetries + 1
      } of ${max}`,
      isUnknown: true,
    };
  }
  const throttled = of("throttled");
  if (throttled.length > 0) {
    return {
      action: "retry",
      reason: `throttled (${codes(throttled)}); retrying later`,
      isUnknown: false,
    };
  }
  return { action: "fail", reason: `launch failed: ${messages(of("permanent"))}` };
}
