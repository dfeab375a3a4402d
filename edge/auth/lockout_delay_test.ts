import assert from "node:assert/strict";
import { lockoutDelayMs } from "./lockout_delay.ts";

Deno.test("failures past the limit wait 1 s, then twice as long each time, up to the window", () => {
  const rules = { limit: 3, windowMs: 900_000 };
  const cases: [number, number][] = [
    [0, 0],
    [2, 0],
    [3, 1_000],
    [4, 2_000],
    [5, 4_000],
    [12, 512_000],
    [13, 900_000],
    [500, 900_000],
  ];
  for (const [failures, delay] of cases) {
    assert.equal(lockoutDelayMs(failures, rules), delay, `${failures} failures`);
  }
});
