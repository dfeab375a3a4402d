/**
 * The edge's "now" for calendar answers (stats windows, the overview's
 * month) and the sign-in throttle's delays: the wall clock, unless
 * `CLOCK_FIXED_AT` pins it, which only tests do, so a month boundary, a
 * year's last minute or the end of a lockout delay can be tested on any day.
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
