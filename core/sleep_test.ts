import assert from "node:assert/strict";
import { sleep } from "./sleep.ts";

Deno.test("sleep ends at once on a signal that aborted before it began", async () => {
  const controller = new AbortController();
  controller.abort();
  const startedAt = performance.now();
  await sleep(60_000, controller.signal);
  assert.ok(performance.now() - startedAt < 1_000);
});

Deno.test("sleep ends when its signal aborts, and otherwise after its time", async () => {
  const controller = new AbortController();
  const startedAt = performance.now();
  const waiting = sleep(60_000, controller.signal);
  setTimeout(() => controller.abort(), 20);
  await waiting;
  assert.ok(performance.now() - startedAt < 1_000);
  const before = performance.now();
  await sleep(30, new AbortController().signal);
  assert.ok(performance.now() - before >= 25);
});
