/**
 * A warm schedule as the pool form edits it: `key: value` lines —
 * `time_zone: Europe/Berlin`, one `window: mon-fri 08:00-18:00` per window,
 * `off_hours_min: 1` — read into the object the API takes, and back. The
 * schema (`WarmScheduleSchema`) then says what is wrong with the values.
 *
 * @module
 */

/** A schedule's lines; blank text is no schedule (null). */
export function scheduleOf(
  text: string,
): { ok: true; schedule: Record<string, unknown> | null } | { ok: false; message: string } {
  const schedule: { time_zone?: string; windows: string[]; off_hours_min?: number } = {
    windows: [],
  };
  let isBlank = true;
  for (const [index, line] of text.split("\n").entries()) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    isBlank = false;
    const at = trimmed.indexOf(":");
    const key = at > 0 ? trimmed.slice(0, at).trim().toLowerCase() : "";
    const value = trimmed.slice(at + 1).trim();
    if (key === "time_zone") schedule.time_zone = value;
    else if (key === "window") schedule.windows.push(value);
    else if (key === "off_hours_min") schedule.off_hours_min = value === "" ? 0 : Number(value);
    else {
      return {
        ok: false,
        message: `line ${index + 1}: expected time_zone:, window: or off_hours_min:`,
      };
    }
  }
  if (isBlank) return { ok: true, schedule: null };
  return { ok: true, schedule: { time_zone: schedule.time_zone ?? "", ...schedule } };
}

/** A schedule as the lines the form edits; none is blank. */
export function scheduleText(
  schedule: { time_zone: string; windows: string[]; off_hours_min: number } | null,
): string {
  if (!schedule) return "";
  return [
    `time_zone: ${schedule.time_zone}`,
    ...schedule.windows.map((window) => `window: ${window}`),
    `off_hours_min: ${schedule.off_hours_min}`,
  ].join("\n");
}
