/**
 * The refusal counter's timing, in Deno against a recording queue (the
 * workerd tests, test/edge/webhook_refusals_test.ts and
 * webhook_refusal_flush_test.ts, pin what /metrics and the log show): a quiet
 * isolate's first refusal is flushed at once, within the call; a refusal
 * inside the interval waits, and the refusals counted meanwhile ride on the
 * flush already scheduled (null: nothing more to hand to `waitUntil`).
 * Module state is shared, so this is one test in steps, in order.
 */
import assert from "node:assert/strict";
import type { Env } from "../env.ts";
import { countRejection, FLUSH_INTERVAL_MS } from "./rejection_counter.ts";

function recordingEnv() {
  const counted: [string, number][] = [];
  const shard = {
    count: (name: string, by: number) => {
      counted.push([name, by]);
      return Promise.resolve();
    },
  };
  const env = { JOB_QUEUE: { idFromName: (name: string) => name, get: () => shard } };
  return { env: env as unknown as Env, counted };
}

Deno.test("refusals are flushed at once when quiet, then at most once per interval", async (t) => {
  const { env, counted } = recordingEnv();
  let lastFlushBefore = 0;
  let lastFlushAfter = 0;

  await t.step("a quiet isolate's first refusal is counted within the call", async () => {
    lastFlushBefore = Date.now();
    const flush = countRejection(env, "unauthorized", lastFlushBefore);
    lastFlushAfter = Date.now();
    assert.ok(flush instanceof Promise, "a flush to hand to waitUntil");
    assert.deepEqual(counted, [["webhook_rejected:unauthorized", 1]], "before any await");
    await flush;
  });

  await t.step("inside the interval: one delayed flush carries every refusal", async () => {
    // 20 ms before the interval ends, whenever inside the first call the flush was stamped.
    const now = lastFlushAfter + FLUSH_INTERVAL_MS - 20;
    assert.ok(now - lastFlushBefore < FLUSH_INTERVAL_MS);
    const flush = countRejection(env, "payload_too_large", now);
    assert.ok(flush instanceof Promise);
    assert.equal(counted.length, 1, "not flushed within the call");
    assert.equal(countRejection(env, "payload_too_large", now), null, "already on its way");
    assert.equal(countRejection(env, "unauthorized", now), null, "already on its way");
    await flush;
    assert.deepEqual(counted, [
      ["webhook_rejected:unauthorized", 1],
      ["webhook_rejected:payload_too_large", 2],
      ["webhook_rejected:unauthorized", 1],
    ]);
  });
});
