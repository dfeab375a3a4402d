/** The dead-letter API's bodies: a dead letter with its message, and a requeue answer. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { DeadLettersResponse, RequeueResponse } from "./dead_letters.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const message = {
  type: "runner_event",
  deliveryId: "r-1",
  receivedAt: 1_700_000_000_000,
  jobId: "42",
  runnerName: "gantry-1",
  instanceId: "i-0123456789abcdef0",
  kind: "bootstrap-failed",
};
const deadLetter = {
  eventId: 7,
  deliveries: 0,
  enqueuedAt: 0,
  deadAt: 1_700_000_060_000,
  message,
};

Deno.test("a dead letter parses with its message, extra fields stripped", () => {
  assert.deepEqual(
    DeadLettersResponse.parse({ deadLetters: [{ ...deadLetter, extra: 1 }], other: true }),
    { deadLetters: [deadLetter] },
  );
});

Deno.test("a dead letter's id is positive, its counts and times not negative", () => {
  const at = (deadLetter: Record<string, unknown>) => ({ deadLetters: [deadLetter] });
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ ...deadLetter, eventId: 0 }, [{
      path: "deadLetters.0.eventId",
      message: "expected number to be >0",
    }]],
    [{ ...deadLetter, deliveries: -1 }, [{
      path: "deadLetters.0.deliveries",
      message: "expected number to be >=0",
    }]],
    [{ ...deadLetter, deadAt: 1.5 }, [{
      path: "deadLetters.0.deadAt",
      message: "expected int, received number",
    }]],
    [{ ...deadLetter, message: { ...message, type: "ping" } }, [{
      path: "deadLetters.0.message.type",
      message: "Invalid discriminator value. Expected 'workflow_job' | 'runner_event'",
    }]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(issues(DeadLettersResponse, at(input)), expected);
  }
});

Deno.test("a requeue answer says requeued and names a positive event id", () => {
  assert.deepEqual(RequeueResponse.parse({ status: "requeued", eventId: 7, x: 1 }), {
    status: "requeued",
    eventId: 7,
  });
  assert.deepEqual(issues(RequeueResponse, { status: "queued", eventId: 0 }), [
    { path: "status", message: 'expected "requeued"' },
    { path: "eventId", message: "expected number to be >0" },
  ]);
});
