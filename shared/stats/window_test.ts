import assert from "node:assert/strict";
import { planWindow } from "./window.ts";

const at = (d: number, h = 0, m = 0) => Date.UTC(2026, 10, d, h, m);
const now = at(23, 14, 37);

Deno.test("a rolling 24 h window: whole hours between the part-hours at both ends", () => {
  assert.deepEqual(planWindow({ from: now - 86_400_000, to: now }, now), {
    days: null,
    hours: [{ from: at(22, 15), to: at(23, 14) }],
    raw: [{ from: at(22, 14, 37), to: at(22, 15) }, { from: at(23, 14), to: now }],
  });
});

Deno.test("a window of whole days is all daily roll-ups", () => {
  assert.deepEqual(planWindow({ from: at(1), to: at(8) }, now), {
    days: { from: at(1), to: at(8) },
    hours: [],
    raw: [],
  });
});

Deno.test("a past window with ragged ends reads hours and part-hours at both ends", () => {
  assert.deepEqual(planWindow({ from: at(1, 6, 10), to: at(5, 18, 20) }, now), {
    days: { from: at(2), to: at(5) },
    hours: [{ from: at(1, 7), to: at(2) }, { from: at(5), to: at(5, 18) }],
    raw: [{ from: at(1, 6, 10), to: at(1, 7) }, { from: at(5, 18), to: at(5, 18, 20) }],
  });
});

Deno.test("a window inside a day reads hours; inside an hour reads jobs; empty reads nothing", () => {
  assert.deepEqual(planWindow({ from: at(3, 1), to: at(3, 5) }, now), {
    days: null,
    hours: [{ from: at(3, 1), to: at(3, 5) }],
    raw: [],
  });
  assert.deepEqual(planWindow({ from: at(3, 1, 5), to: at(3, 1, 50) }, now), {
    days: null,
    hours: [],
    raw: [{ from: at(3, 1, 5), to: at(3, 1, 50) }],
  });
  assert.deepEqual(planWindow({ from: at(3), to: at(3) }, now), { days: null, hours: [], raw: [] });
});

Deno.test("a window running past now covers the current hour and day whole", () => {
  assert.deepEqual(planWindow({ from: at(23, 13, 30), to: now + 1 }, now), {
    days: null,
    hours: [{ from: at(23, 14), to: at(23, 15) }],
    raw: [{ from: at(23, 13, 30), to: at(23, 14) }],
  });
  // Days after today hold no roll-ups; their (empty) rest is read from jobs.
  assert.deepEqual(planWindow({ from: at(20), to: at(30) }, now), {
    days: { from: at(20), to: at(24) },
    hours: [],
    raw: [{ from: at(24), to: at(30) }],
  });
});

Deno.test("a window ending now stops at now: the part-hour up to now is read from jobs", () => {
  assert.deepEqual(planWindow({ from: at(23, 13, 30), to: now }, now), {
    days: null,
    hours: [],
    raw: [{ from: at(23, 13, 30), to: now }],
  });
  assert.deepEqual(planWindow({ from: at(23, 13, 30), to: now - 1 }, now), {
    days: null,
    hours: [],
    raw: [{ from: at(23, 13, 30), to: now - 1 }],
  });
});
