import assert from "node:assert/strict";
import { asciiOnly } from "./bundle.ts";

Deno.test("asciiOnly leaves an ASCII source as it is", () => {
  assert.equal(asciiOnly('const a = "b"; // c\n'), 'const a = "b"; // c\n');
});

Deno.test("asciiOnly escapes each non-ASCII character, astral ones as a surrogate pair", () => {
  assert.equal(asciiOnly("// queued → starting"), "// queued \\u2192 starting");
  assert.equal(asciiOnly('"invàlid ×"'), '"inv\\u00e0lid \\u00d7"');
  assert.equal(asciiOnly("/🚀/u"), "/\\ud83d\\ude80/u");
});

Deno.test("an escaped source evaluates to the same strings and patterns", () => {
  const source = '["a → b", /ó+/u.test("óó"), `x…`, "🚀".length]';
  assert.deepEqual((0, eval)(asciiOnly(source)), ["a → b", true, "x…", 2]);
});

Deno.test("asciiOnly refuses a non-ASCII character right after a backslash", () => {
  assert.throws(() => asciiOnly('"\\é"'), /cannot escape "é" at offset 2: it follows a backslash/);
});
