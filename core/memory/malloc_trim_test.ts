import assert from "node:assert/strict";
import { openMallocTrim } from "./malloc_trim.ts";

Deno.test("malloc_trim is unavailable when the library is not there", () => {
  assert.equal(openMallocTrim("libgantry-no-such-library.so"), null);
});

Deno.test("on Linux with glibc, malloc_trim runs and says whether it released memory", {
  ignore: Deno.build.os !== "linux",
}, () => {
  const trim = openMallocTrim();
  assert.notEqual(trim, null);
  assert.equal(typeof trim?.(), "boolean");
});
