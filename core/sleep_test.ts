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
  // Not before its time: judged by timer order, not by measuring milliseconds.
  let hasEnded = false;
  const sleeping = sleep(30, new AbortController().signal).then(() => hasEnded = true);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(hasEnded, false, "ended before a 10 ms timer fired");
  await sleeping;
  assert.equal(hasEnded, true);
});
