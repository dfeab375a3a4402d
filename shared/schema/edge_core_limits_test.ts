/**
 * The edge ↔ core wire limits, each at the limit, one under and one over:
 * lease size, long-poll wait, lease time, settle batch size, nack delay,
 * lease id length, correlation id length; and the defaults.
 */
import assert from "node:assert/strict";
import {
  AckRequest,
  CORE_TOKEN_AUDIENCE,
  LeasedEvent,
  LeaseRequest,
  LeaseResponse,
  NackRequest,
  QueueMessage,
  SettleResponse,
  WorkflowJobMessage,
} from "./edge_core.ts";
import { WorkflowJobAction } from "./vocabulary.ts";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

const ref = (leaseId = "l-1") => ({ eventId: 1, leaseId });
const refs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ eventId: i, leaseId: `l-${i}` }));

Deno.test("lease request: max 1–500, wait 0–25 000 ms, lease 1 000–600 000 ms", () => {
  const cases: [Record<string, number>, boolean][] = [
    [{ max: 0 }, false],
    [{ max: 1 }, true],
    [{ max: 500 }, true],
    [{ max: 501 }, false],
    [{ max: 1.5 }, false],
    [{ waitMs: -1 }, false],
    [{ waitMs: 0 }, true],
    [{ waitMs: 25_000 }, true],
    [{ waitMs: 25_001 }, false],
    [{ leaseMs: 999 }, false],
    [{ leaseMs: 1_000 }, true],
    [{ leaseMs: 600_000 }, true],
    [{ leaseMs: 600_001 }, false],
  ];
  for (const [request, expected] of cases) {
    assert.equal(ok(LeaseRequest, request), expected, JSON.stringify(request));
  }
  assert.deepEqual(LeaseRequest.parse({}), { max: 50, waitMs: 25_000, leaseMs: 60_000 });
});

Deno.test("ack and nack: 1–500 leases, lease ids of 1–64 characters, delay 0–1 h", () => {
  for (const schema of [AckRequest, NackRequest]) {
    assert.equal(ok(schema, { leases: [] }), false);
    assert.equal(ok(schema, { leases: refs(1) }), true);
    assert.equal(ok(schema, { leases: refs(500) }), true);
    assert.equal(ok(schema, { leases: refs(501) }), false);
    assert.equal(ok(schema, { leases: [ref("")] }), false);
    assert.equal(ok(schema, { leases: [ref("x".repeat(64))] }), true);
    assert.equal(ok(schema, { leases: [ref("x".repeat(65))] }), false);
    assert.equal(ok(schema, {}), false);
  }
  const nack = (delayMs: number) => ok(NackRequest, { leases: refs(1), delayMs });
  assert.deepEqual([nack(-1), nack(0), nack(3_600_000), nack(3_600_001)], [
    false,
    true,
    true,
    false,
  ]);
  assert.equal(NackRequest.parse({ leases: refs(1) }).delayMs, 0);
});

Deno.test("lease response: backlog never negative, 0 from an older edge", () => {
  assert.equal(LeaseResponse.parse({ events: [] }).backlog, 0);
  assert.equal(ok(LeaseResponse, { events: [], backlog: 0 }), true);
  assert.equal(ok(LeaseResponse, { events: [], backlog: -1 }), false);
  assert.equal(LeaseResponse.parse({ events: [], backlog: 7 }).backlog, 7);
});

Deno.test("workflow job messages: the four actions, correlation ids up to 128", () => {
  assert.deepEqual(WorkflowJobAction.options, ["queued", "waiting", "in_progress", "completed"]);
  assert.equal(ok(WorkflowJobAction, ""), false);
  const message = (correlationId?: string) => ({
    type: "workflow_job",
    action: "queued",
    deliveryId: "d",
    correlationId,
    receivedAt: 1,
    job: {
      githubJobId: 1,
      runId: 1,
      runAttempt: 1,
      name: "build",
      labels: [],
      repoFullName: "o/r",
      installationId: null,
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
  });
  assert.equal(ok(WorkflowJobMessage, message()), true);
  assert.equal(ok(WorkflowJobMessage, message("job-1")), true);
  assert.equal(ok(WorkflowJobMessage, message("c".repeat(128))), true);
  assert.equal(ok(WorkflowJobMessage, message("c".repeat(129))), false);
  assert.equal(ok(WorkflowJobMessage, { ...message(), type: "" }), false);
  assert.equal(CORE_TOKEN_AUDIENCE, "gantry-edge/core");
});

const facts = {
  githubJobId: 1,
  runId: 2,
  runAttempt: 1,
  name: "build",
  labels: ["self-hosted"],
  repoFullName: "o/r",
  installationId: 99,
  sender: "octocat",
  headBranch: "main",
  headSha: "abc",
  workflowName: "CI",
  htmlUrl: "https://github.com/o/r/actions/runs/2/job/1",
  status: "completed",
  conclusion: "success",
  runnerName: "gantry-1",
  createdAt: "2026-01-01T00:00:00Z",
  startedAt: "2026-01-01T00:00:10Z",
  completedAt: "2026-01-01T00:01:00Z",
};

Deno.test("both kinds of queue message parse as sent, extra fields stripped", () => {
  const job = {
    type: "workflow_job",
    action: "completed",
    deliveryId: "d-1",
    correlationId: "job-1",
    receivedAt: 5,
    job: facts,
  };
  assert.deepEqual(QueueMessage.parse({ ...job, x: 1, job: { ...facts, x: 1 } }), job);
  const runner = {
    type: "runner_event",
    deliveryId: "r-1",
    correlationId: "job-1",
    receivedAt: 5,
    jobId: "1",
    runnerName: "gantry-1",
    instanceId: "i-1",
    kind: "bootstrap-failed",
    log: "tail",
  };
  assert.deepEqual(QueueMessage.parse({ ...runner, x: 1 }), runner);
  assert.equal(ok(QueueMessage, { ...runner, correlationId: "c".repeat(128) }), true);
  assert.equal(ok(QueueMessage, { ...runner, correlationId: "c".repeat(129) }), false);
  assert.equal(ok(QueueMessage, { ...runner, kind: "rebooted" }), false);
  for (const id of ["githubJobId", "runId", "runAttempt"]) {
    assert.equal(ok(QueueMessage, { ...job, job: { ...facts, [id]: 0 } }), false, id);
    assert.equal(ok(QueueMessage, { ...job, job: { ...facts, [id]: 1.5 } }), false, id);
  }
  assert.equal(ok(QueueMessage, { ...job, job: { ...facts, installationId: 1.5 } }), false);
  const leased = { eventId: 3, leaseId: "l-1", deliveries: 1, enqueuedAt: 4, message: runner };
  assert.deepEqual(LeasedEvent.parse({ ...leased, x: 1 }), leased);
  assert.equal(ok(LeasedEvent, { ...leased, deliveries: 0 }), false);
  assert.equal(ok(LeasedEvent, { ...leased, eventId: 1.5 }), false);
  assert.deepEqual(SettleResponse.parse({ settled: 2, x: 1 }), { settled: 2 });
  assert.equal(ok(SettleResponse, { settled: 1.5 }), false);
});
