/** The UTC day of an instant, at a day's first and last millisecond. */
import assert from "node:assert/strict";
import { DAY_MS, dayOf, HOUR_MS } from "./window.ts";

Deno.test("dayOf: the start of the UTC day, at and around midnight", () => {
  const midnight = Date.UTC(2026, 11, 31);
  assert.equal(dayOf(midnight), midnight);
  assert.equal(dayOf(midnight - 1), Date.UTC(2026, 11, 30));
  assert.equal(dayOf(midnight + DAY_MS - 1), midnight);
  assert.equal(dayOf(midnight + DAY_MS), Date.UTC(2027, 0, 1));
  assert.equal(dayOf(midnight + 13 * HOUR_MS + 17), midnight);
  assert.deepEqual([DAY_MS, HOUR_MS], [86_400_000, 3_600_000]);
});
