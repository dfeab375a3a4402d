import assert from "node:assert/strict";
import { nowOf } from "./clock.ts";

Deno.test("a pinned clock reads its instant; unset or empty is the wall clock", () => {
  assert.equal(nowOf({ CLOCK_FIXED_AT: "2026-03-01T00:00:00Z" }), Date.UTC(2026, 2, 1));
  assert.equal(
    nowOf({ CLOCK_FIXED_AT: "2026-12-31T23:59:00.000Z" }),
    Date.UTC(2026, 11, 31, 23, 59),
  );
  for (const env of [{}, { CLOCK_FIXED_AT: "" }]) {
    const before = Date.now();
    const now = nowOf(env);
    assert.ok(now >= before && now <= Date.now(), JSON.stringify(env));
  }
  assert.throws(() => nowOf({ CLOCK_FIXED_AT: "yesterday" }), /CLOCK_FIXED_AT must be an ISO 8601/);
});
