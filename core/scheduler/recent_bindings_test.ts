import assert from "node:assert/strict";
import type { Binding } from "../db/store.ts";
import { RECENT_BINDING_MS, RecentBindings } from "./recent_bindings.ts";

/** A store whose bindings are numbered by read, and the repos it was asked for. */
function countingStore() {
  const asked: string[] = [];
  return {
    asked,
    bindingOf(repo: string): Promise<Binding | null> {
      asked.push(repo);
      if (repo === "o/unbound") return Promise.resolve(null);
      return Promise.resolve({ read: asked.length } as unknown as Binding);
    },
  };
}

Deno.test("the launch call reuses admission's read up to 1 s old, exactly at 1 s too, not 1 ms later", async () => {
  assert.equal(RECENT_BINDING_MS, 1_000);
  let now = 10_000;
  const store = countingStore();
  const bindings = new RecentBindings(store, () => now);
  const first = await bindings.read("o/r");
  now += 1_000;
  assert.equal(await bindings.recent("o/r"), first, "at the limit: kept");
  assert.deepEqual(store.asked, ["o/r"]);
  now += 1;
  const second = await bindings.recent("o/r");
  assert.notEqual(second, first, "one over: read again");
  assert.deepEqual(store.asked, ["o/r", "o/r"]);
  assert.equal(await bindings.recent("o/r"), second, "and that read is kept");
});

Deno.test("admission always reads; a repo never read is read; no binding is kept as none", async () => {
  const now = 0;
  const store = countingStore();
  const bindings = new RecentBindings(store, () => now);
  await bindings.read("o/r");
  await bindings.read("o/r");
  assert.equal(await bindings.recent("o/other"), await bindings.recent("o/other"));
  assert.equal(await bindings.read("o/unbound"), null);
  assert.equal(await bindings.recent("o/unbound"), null);
  assert.deepEqual(store.asked, ["o/r", "o/r", "o/other", "o/unbound"]);
});

Deno.test("bindings older than the limit are let go as others are read", async () => {
  let now = 0;
  const bindings = new RecentBindings(countingStore(), () => now, 100);
  await bindings.read("o/a");
  await bindings.read("o/b");
  assert.equal(bindings.size, 2);
  now = 100;
  await bindings.read("o/c");
  assert.equal(bindings.size, 3, "at the limit: still kept");
  now = 101;
  await bindings.read("o/c");
  assert.equal(bindings.size, 1, "o/a and o/b went");
});
