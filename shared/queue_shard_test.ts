import assert from "node:assert/strict";
import {
  globalEventId,
  localEventId,
  MAX_QUEUE_SHARDS,
  shardKeyOf,
  shardOf,
} from "./queue_shard.ts";
import type { QueueMessage } from "./schema/edge_core.ts";

function jobEvent(installationId: number | null): QueueMessage {
  return {
    type: "workflow_job",
    action: "queued",
    deliveryId: "d-1",
    receivedAt: 1,
    job: {
      githubJobId: 77,
      runId: 9,
      runAttempt: 1,
      name: "build",
      labels: ["self-hosted"],
      repoFullName: "octocat/hello-world",
      installationId,
      sender: null,
      headBranch: null,
      headSha: "abc",
      workflowName: null,
      htmlUrl: null,
      status: "queued",
      conclusion: null,
      runnerName: null,
      createdAt: "2026-01-01T00:00:00Z",
      startedAt: null,
      completedAt: null,
    },
  };
}

Deno.test("a job's events are keyed by installation, a runner's callbacks by job id", () => {
  const runnerEvent: QueueMessage = {
    type: "runner_event",
    deliveryId: "r-1",
    receivedAt: 1,
    jobId: "77",
    runnerName: "gantry-77",
    instanceId: "i-1",
    kind: "runner-started",
  };
  assert.deepEqual(
    [jobEvent(42), jobEvent(0), jobEvent(null), runnerEvent].map(shardKeyOf),
    ["installation:42", "installation:0", "installation:none", "job:77"],
  );
});

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
  // FNV-1a's 32-bit hashes (offset basis, "a", "installation:1") modulo a large prime.
  assert.deepEqual(["", "a", "installation:1"].map((key) => shardOf(key, 1_000_003)), [
    2166136261 % 1_000_003,
    3826002220 % 1_000_003,
    744802380 % 1_000_003,
  ]);
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
