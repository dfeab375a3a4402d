/**
 * The edge's "now" for calendar answers (stats windows, the overview's
 * month), the sign-in throttle's delays and the instants the queue records
 * (dedupe keys and their 7-day horizon, enqueue and dead-letter times, lease
 * latency): the wall clock, unless `CLOCK_FIXED_AT` pins it, which only
 * tests do (the harness sets it; wrangler.toml does not, and docs/deploy.md
 * says never in a deployment), so a month boundary, a year's last minute, the end of a
 * lockout delay or a dedupe key's last millisecond can be tested on any day.
 * Timers (a lease's expiry, an alarm) stay on the wall clock: workerd fires
 * them on it.
 */
import { ConfigError } from "../shared/errors.ts";
import type { Env } from "./env.ts";

/** Epoch ms the calendar routes take as now. */
export function nowOf(env: Pick<Env, "CLOCK_FIXED_AT">): number {
  const fixed = env.CLOCK_FIXED_AT;
  if (fixed === undefined || fixed === "") return Date.now();
  const ms = Date.parse(fixed);
  if (Number.isNaN(ms)) {
    throw new ConfigError(`CLOCK_FIXED_AT must be an ISO 8601 instant, not "${fixed}"`);
  }
  return ms;
}
