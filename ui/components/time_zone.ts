/**
 * Which zone the console writes times in: the viewer's own by default, or
 * UTC, as the viewer last chose in this browser (localStorage). A signal, so
 * every time on screen follows a change at once.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { TimeZoneMode } from "../format.ts";

/** The localStorage key of the choice. */
export const TIME_ZONE_KEY = "gantry.timeZone";

const storage = (): Storage | null => {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Storage can be refused (privacy settings): the choice then lasts for the page.
    return null;
  }
};

const mode = signal<TimeZoneMode>(storage()?.getItem(TIME_ZONE_KEY) === "utc" ? "utc" : "local");

/** The zone times are written in now. */
export const timeZoneMode: ReadonlySignal<TimeZoneMode> = mode;

/** Writes times in `next` from now on, and remembers it in this browser. */
export function setTimeZoneMode(next: TimeZoneMode): void {
  mode.value = next;
  storage()?.setItem(TIME_ZONE_KEY, next);
}
