import assert from "node:assert/strict";
import { safeNextPath } from "./next_path.ts";

const ORIGIN = "https://gantry.example.com";

/** [next as sent, where the browser goes]. */
const CASES: [string | null | undefined, string][] = [
  ["/jobs?status=failed", "/jobs?status=failed"],
  ["/jobs/123#timeline", "/jobs/123#timeline"],
  ["/", "/"],
  [null, "/"],
  [undefined, "/"],
  ["", "/"],
  ["jobs", "/"],
  ["https://evil.example/x", "/"],
  ["//evil.example/x", "/"],
  ["/\\evil.example/x", "/"],
  ["\\\\evil.example", "/"],
  ["/\t/evil.example/x", "/"],
  ["/\n/x", "/"],
  ["/\r\n/x", "/"],
  ["/\u0000/x", "/"],
  ["/\u007f/x", "/"],
  ["/.//evil.example/x", "/"],
  ["/%2F/evil.example", "/%2F/evil.example"],
  ["javascript:alert(1)", "/"],
  ["/jobs/é", "/jobs/%C3%A9"],
  [`/${"a".repeat(2100)}`, "/"],
  // MAX_NEXT_PATH is 2000 characters: at the limit kept, one over refused.
  [`/${"a".repeat(1999)}`, `/${"a".repeat(1999)}`],
  [`/${"a".repeat(2000)}`, "/"],
  // Starts with a slash but is no URL at all (a bad host after `//`): refused, not thrown.
  ["//[", "/"],
];

Deno.test("a sign-in returns only to a path on the console's own origin", () => {
  for (const [next, expected] of CASES) {
    assert.equal(safeNextPath(next, ORIGIN), expected, JSON.stringify(next));
    assert.equal(safeNextPath(next), expected, `${JSON.stringify(next)} without an origin`);
  }
});
