import { formatTime, formatTimeShort, formatUtcTitle } from "../format.ts";
import { setTimeZoneMode, timeZoneMode } from "./time_zone.ts";

/**
 * A time in the zone the viewer chose (time_zone.ts), with the UTC time on
 * hover; `short` leaves the year out for this year's times (tables).
 */
export function Time(props: { ms: number | null | undefined; short?: boolean; now?: number }) {
  const { ms } = props;
  const zone = timeZoneMode.value;
  if (ms === null || ms === undefined) return <>{formatTime(ms)}</>;
  const text = props.short ? formatTimeShort(ms, props.now, zone) : formatTime(ms, zone);
  return <time dateTime={new Date(ms).toISOString()} title={formatUtcTitle(ms)}>{text}</time>;
}

/** The local/UTC switch: a toggle button, pressed while times are in UTC. */
export function TimeZoneToggle() {
  const isUtc = timeZoneMode.value === "utc";
  return (
    <button
      type="button"
      class="button secondary small"
      aria-pressed={isUtc}
      data-testid="time-zone-toggle"
      onClick={() => setTimeZoneMode(isUtc ? "local" : "utc")}
    >
      Times in UTC
    </button>
  );
}
