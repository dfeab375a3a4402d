import assert from "node:assert/strict";
import { BoundedMemo } from "./bounded_memo.ts";

Deno.test("a value is made once per key while the memo has room", () => {
  const made: string[] = [];
  const memo = new BoundedMemo<string, string>(2);
  const make = (key: string) => (made.push(key), key.toUpperCase());
  assert.equal(memo.get("a", make), "A");
  assert.equal(memo.get("a", make), "A");
  assert.equal(memo.get("b", make), "B");
  assert.equal(memo.get("b", make), "B");
  assert.deepEqual(made, ["a", "b"]);
  assert.equal(memo.size, 2);
});

Deno.test("a miss while full forgets everything, then remembers the new key", () => {
  const made: string[] = [];
  const memo = new BoundedMemo<string, number>(2);
  const make = (key: string) => (made.push(key), made.length);
  memo.get("a", make);
  memo.get("b", make);
  assert.equal(memo.get("c", make), 3, "at the limit: c is made");
  assert.equal(memo.size, 1, "a and b forgotten");
  assert.equal(memo.get("c", make), 3, "c kept");
  assert.equal(memo.get("a", make), 4, "a made again");
  assert.equal(memo.size, 2, "one under the limit: nothing forgotten");
  assert.deepEqual(made, ["a", "b", "c", "a"]);
});

Deno.test("a remembered undefined is a hit, not a miss", () => {
  let calls = 0;
  const memo = new BoundedMemo<string, undefined>(1);
  memo.get("x", () => void calls++);
  memo.get("x", () => void calls++);
  assert.equal(calls, 1);
});

Deno.test("a memo holds at least one value", () => {
  assert.throws(() => new BoundedMemo(0), {
    name: "RangeError",
    message: "a memo holds at least 1 value, got 0",
  });
  assert.throws(() => new BoundedMemo(1.5), RangeError);
  assert.equal(new BoundedMemo(1).max, 1);
});
