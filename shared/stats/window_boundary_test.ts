/** Unit boundaries: the UTC day of an instant, and windows whose ends sit on midnight and on now. */
import assert from "node:assert/strict";
import { DAY_MS, dayOf, HOUR_MS, planWindow } from "./window.ts";

Deno.test("dayOf: the start of the UTC day, at and around midnight", () => {
  const midnight = Date.UTC(2026, 11, 31);
  assert.equal(dayOf(midnight), midnight);
  assert.equal(dayOf(midnight - 1), Date.UTC(2026, 11, 30));
  assert.equal(dayOf(midnight + DAY_MS - 1), midnight);
  assert.equal(dayOf(midnight + DAY_MS), Date.UTC(2027, 0, 1));
  assert.equal(dayOf(midnight + 13 * HOUR_MS + 17), midnight);
  assert.deepEqual([DAY_MS, HOUR_MS], [86_400_000, 3_600_000]);
});

Deno.test("at midnight the last day is exactly yesterday: the day starting at now is not read", () => {
  const midnight = Date.UTC(2026, 11, 31);
  const yesterday = { from: midnight - DAY_MS, to: midnight };
  // `to` is excluded: a job queued at midnight itself belongs to the next window.
  assert.deepEqual(planWindow(yesterday, midnight), { days: yesterday, hours: [], raw: [] });
  // One millisecond later the window runs up to now, still inside today's first hour.
  assert.deepEqual(planWindow({ from: midnight - DAY_MS + 1, to: midnight + 1 }, midnight + 1), {
    days: null,
    hours: [{ from: midnight - DAY_MS + HOUR_MS, to: midnight }],
    raw: [
      { from: midnight - DAY_MS + 1, to: midnight - DAY_MS + HOUR_MS },
      { from: midnight, to: midnight + 1 },
    ],
  });
  // One millisecond before: yesterday's last hour is still open.
  assert.deepEqual(planWindow({ from: midnight - DAY_MS - 1, to: midnight - 1 }, midnight - 1), {
    days: null,
    hours: [{ from: midnight - DAY_MS, to: midnight - HOUR_MS }],
    raw: [
      { from: midnight - DAY_MS - 1, to: midnight - DAY_MS },
      { from: midnight - HOUR_MS, to: midnight - 1 },
    ],
  });
});
