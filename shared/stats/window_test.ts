import assert from "node:assert/strict";
import { DAY_MS, planWindow } from "./window.ts";

const day = (d: number, h = 0) => Date.UTC(2026, 10, d, h);

Deno.test("a rolling 24 h window reads yesterday's tail from jobs and today from roll-ups", () => {
  const now = day(23, 14);
  assert.deepEqual(planWindow({ from: now - DAY_MS, to: now }, now), {
    days: { from: day(23), to: day(24) },
    raw: [{ from: day(22, 14), to: day(23) }],
  });
});

Deno.test("a window of whole days is all roll-ups", () => {
  const now = day(23, 14);
  assert.deepEqual(planWindow({ from: day(1), to: day(8) }, now), {
    days: { from: day(1), to: day(8) },
    raw: [],
  });
});

Deno.test("a past window with ragged ends reads both ends from jobs", () => {
  const now = day(23, 14);
  assert.deepEqual(planWindow({ from: day(1, 6), to: day(5, 18) }, now), {
    days: { from: day(2), to: day(5) },
    raw: [{ from: day(1, 6), to: day(2) }, { from: day(5), to: day(5, 18) }],
  });
});

Deno.test("a window inside one day is read from jobs; an empty one reads nothing", () => {
  const now = day(23, 14);
  assert.deepEqual(planWindow({ from: day(3, 1), to: day(3, 5) }, now), {
    days: null,
    raw: [{ from: day(3, 1), to: day(3, 5) }],
  });
  assert.deepEqual(planWindow({ from: day(3), to: day(3) }, now), { days: null, raw: [] });
});
