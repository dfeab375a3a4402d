import assert from "node:assert/strict";
import { warmClientTokenOf } from "./warm_pool.ts";

Deno.test("a warm token's pool hash keeps its leading zero: always 8 hex digits", () => {
  // FNV-1a of "p3\no/r" is 0x048d14d6.
  assert.equal(
    warmClientTokenOf({ poolId: "p3", repo: "o/r", seq: 1, issuedAt: 1 }),
    "w1-048d14d6-1",
  );
});

Deno.test("a warm token of exactly 64 characters is made; 65 is refused", () => {
  // 36^51 is "1" and 51 zeros in base 36: "w" + 52 + "-" + 8 + "-" + "3" = 64.
  const at = warmClientTokenOf({ poolId: "p1", repo: "o/r", seq: 3, issuedAt: 36 ** 51 });
  assert.equal(at, `w1${"0".repeat(51)}-85859e3c-3`);
  assert.equal(at.length, 64);
  assert.throws(
    () => warmClientTokenOf({ poolId: "p1", repo: "o/r", seq: 3, issuedAt: 36 ** 52 }),
    { name: "RangeError", message: `client token too long (65): w1${"0".repeat(52)}-85859e3c-3` },
  );
});
