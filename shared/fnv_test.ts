import assert from "node:assert/strict";
import { fnv1a32, fnv1a32Hex } from "./fnv.ts";

Deno.test("FNV-1a 32 gives the published test vectors", () => {
  // The reference vectors of the FNV authors (draft-eastlake-fnv): "", "a", "foobar".
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("FNV-1a 32 in hex keeps its leading zero", () => {
  assert.equal(fnv1a32Hex("p3\no/r"), "048d14d6");
  assert.equal(fnv1a32Hex("foobar"), "bf9cf968");
});
