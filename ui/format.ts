/**
 * How the console writes times, durations and money. Costs go through
 * shared/cost.ts's `formatUsd` (four decimals under a cent).
 *
 * @module
 */
import { formatUsd } from "../shared/cost.ts";
import type { JobView } from "../shared/schema/api.ts";

export { formatUsd };

const DASH = "—";

/** Which clock times are written in: the viewer's own zone, or UTC. */
export type TimeZoneMode = "local" | "utc";

/** `2026-11-23 14:05:09` in the viewer's time zone (or UTC), or a dash. */
export function formatTime(ms: number | null | undefined, zone: TimeZoneMode = "local"): string {
  if (ms === null || ms === undefined) return DASH;
  const parts = partsOf(ms, zone);
  return `${parts.year}-${parts.monthDay} ${parts.clock}`;
}

/** `11-23 14:05:09` for a time in this year (tables), else as {@link formatTime}. */
export function formatTimeShort(
  ms: number | null | undefined,
  now = Date.now(),
  zone: TimeZoneMode = "local",
): string {
  if (ms === null || ms === undefined) return DASH;
  const parts = partsOf(ms, zone);
  if (parts.year !== partsOf(now, zone).year) return formatTime(ms, zone);
  return `${parts.monthDay} ${parts.clock}`;
}

/** `2026-11-23 14:05:09 UTC`: what a time's hover says, whichever zone it is shown in. */
export function formatUtcTitle(ms: number): string {
  return `${formatTime(ms, "utc")} UTC`;
}

const pad = (n: number) => String(n).padStart(2, "0");

function partsOf(ms: number, zone: TimeZoneMode) {
  const date = new Date(ms);
  const isUtc = zone === "utc";
  const [year, month, day, hours, minutes, seconds] = isUtc
    ? [
      date.getUTCFullYear(),
      date.getUTCMonth(),
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ]
    : [
      date.getFullYear(),
      date.getMonth(),
      date.getDate(),
      date.getHours(),
      date.getMinutes(),
      date.getSeconds(),
    ];
  return {
    year,
    monthDay: `${pad(month + 1)}-${pad(day)}`,
    clock: `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`,
  };
}

/** A wait's length: milliseconds under a second, tenths of a second under a minute. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** `45s`, `3m 07s`, `2h 05m`, `3d 4h`; a dash for no duration. */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return DASH;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * How long the job's runner ran: from start (or launch, when GitHub never
 * said it started) to completion, or to `now` while it runs.
 */
export function runDurationOf(job: JobView, now: number): number | null {
  const start = job.startedAt ?? job.launchedAt;
  if (start === null) return null;
  return (job.completedAt ?? now) - start;
}

/** A cost, or a dash when the job has none (yet, or no price was quoted). */
export function formatCost(costUsd: number | null): string {
  return costUsd === null ? DASH : formatUsd(costUsd);
}

/** An hourly price to the hundredth of a cent, as AWS quotes them: `$0.0960/h`. */
export function formatPricePerHour(usdPerHour: number | null): string {
  return usdPerHour === null ? "no quote" : `$${usdPerHour.toFixed(4)}/h`;
}
