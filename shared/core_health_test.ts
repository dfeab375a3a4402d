import assert from "node:assert/strict";
import { coreHealthOf } from "./core_health.ts";

const NOW = Date.UTC(2026, 11, 5, 9, 0, 0);

Deno.test("a core that leased 60 s ago is up; 61 s ago it is down for 61 s", () => {
  const beat = { coreId: "core-a", version: "1.0.0", seenAt: NOW - 1_000 };
  assert.equal(coreHealthOf({ ...beat, leasedAt: NOW - 60_000 }, NOW).isDown, false);
  const down = coreHealthOf({ ...beat, leasedAt: NOW - 61_000 }, NOW);
  assert.equal(down.isDown, true);
  assert.equal(down.downForSeconds, 61);
});

Deno.test("a core that never leased is judged by its last call", () => {
  const health = coreHealthOf(
    { coreId: "core-b", version: null, seenAt: NOW - 125_500, leasedAt: null },
    NOW,
  );
  assert.deepEqual([health.isDown, health.downForSeconds], [true, 125]);
  const fresh = coreHealthOf({ coreId: "core-b", version: null, seenAt: NOW, leasedAt: null }, NOW);
  assert.deepEqual([fresh.isDown, fresh.downForSeconds], [false, null]);
});
