import assert from "node:assert/strict";
import { globalEventId, localEventId, MAX_QUEUE_SHARDS, shardOf } from "./queue_shard.ts";

Deno.test("shardOf is stable and in range", () => {
  assert.equal(shardOf("installation:42", 1), 0);
  for (const shards of [2, 7, MAX_QUEUE_SHARDS]) {
    for (let i = 0; i < 200; i++) {
      const shard = shardOf(`installation:${i}`, shards);
      assert.ok(shard >= 0 && shard < shards);
      assert.equal(shardOf(`installation:${i}`, shards), shard);
    }
  }
  // Pinned values: changing the hash would move live events between shards.
  assert.deepEqual(
    ["installation:1", "installation:2", "job:77"].map((key) => shardOf(key, 8)),
    [4, 5, 0],
  );
});

Deno.test("shardOf spreads installations over every shard", () => {
  const counts = new Array(4).fill(0);
  for (let i = 0; i < 4_000; i++) counts[shardOf(`installation:${i}`, 4)]++;
  for (const count of counts) assert.ok(count > 800 && count < 1_200, `counts ${counts}`);
});

Deno.test("event ids carry their shard and round-trip", () => {
  for (const [shard, local] of [[0, 1], [3, 1], [63, 987_654_321]]) {
    const global = globalEventId(shard, local);
    assert.deepEqual(localEventId(global), { shard, localId: local });
  }
  assert.notEqual(globalEventId(0, 2), globalEventId(1, 1));
});
