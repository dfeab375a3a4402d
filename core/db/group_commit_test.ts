import assert from "node:assert/strict";
import { GroupCommit } from "./group_commit.ts";

/** A write that records its groups and holds each until released. */
function heldWrites() {
  const groups: number[][] = [];
  const releases: ((fail?: Error) => void)[] = [];
  const write = (items: number[]) => {
    groups.push(items);
    return new Promise<string[]>((resolve, reject) => {
      releases.push((fail) => fail ? reject(fail) : resolve(items.map((i) => `ok ${i}`)));
    });
  };
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { groups, releases, write, turn };
}

Deno.test("submissions made together share one write; later ones wait for the next", async () => {
  const { groups, releases, write, turn } = heldWrites();
  const commit = new GroupCommit(write);
  const first = [1, 2, 3].map((i) => commit.submit(i));
  await turn();
  const second = [4, 5].map((i) => commit.submit(i));
  await turn();
  assert.deepEqual(groups, [[1, 2, 3]], "the second group waits while the first is written");
  releases[0]();
  assert.deepEqual(await Promise.all(first), ["ok 1", "ok 2", "ok 3"]);
  await turn();
  assert.deepEqual(groups, [[1, 2, 3], [4, 5]]);
  releases[1]();
  assert.deepEqual(await Promise.all(second), ["ok 4", "ok 5"]);
});

Deno.test("a failed write fails its own submissions only", async () => {
  const { groups, releases, write, turn } = heldWrites();
  const commit = new GroupCommit(write);
  const doomed = commit.submit(1).then(() => "resolved", (error) => (error as Error).message);
  await turn();
  const later = commit.submit(2);
  releases[0](new Error("libSQL said no"));
  assert.equal(await doomed, "libSQL said no");
  await turn();
  releases[1]();
  assert.equal(await later, "ok 2");
  assert.deepEqual(groups, [[1], [2]]);
});

Deno.test("a group holds at most maxBatch items", async () => {
  const { groups, releases, write, turn } = heldWrites();
  const commit = new GroupCommit(write, 2);
  const all = [1, 2, 3, 4, 5].map((i) => commit.submit(i));
  for (let i = 0; i < 3; i++) {
    await turn();
    releases[i]();
  }
  assert.deepEqual(await Promise.all(all), ["ok 1", "ok 2", "ok 3", "ok 4", "ok 5"]);
  assert.deepEqual(groups, [[1, 2], [3, 4], [5]]);
});
