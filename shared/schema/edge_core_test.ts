/**
 * The queue's dedupe key: a redelivered webhook (same job, same action) and
 * a repeated runner report (same runner, same kind) share a key; any other
 * action or kind, job or runner gets its own.
 */
import assert from "node:assert/strict";
import {
  correlationIdOf,
  correlationIdOfJob,
  dedupeKeyOf,
  jobIdOf,
  type QueueMessage,
} from "./edge_core.ts";
import type { WorkflowJobAction } from "./vocabulary.ts";

function jobMessage(githubJobId: number, action: WorkflowJobAction): QueueMessage {
  return {
    type: "workflow_job",
    action,
    deliveryId: `d-${githubJobId}-${action}`,
    receivedAt: 1,
    job: {
      githubJobId,
      runId: 9,
      runAttempt: 1,
      name: "build",
      labels: ["self-hosted"],
      repoFullName: "octocat/hello-world",
      installationId: null,
      sender: null,
      headBranch: null,
      headSha: "abc",
      workflowName: null,
      htmlUrl: null,
      status: action,
      conclusion: null,
      runnerName: null,
      createdAt: "2026-01-01T00:00:00Z",
      startedAt: null,
      completedAt: null,
    },
  };
}

function runnerMessage(
  runnerName: string,
  kind: "runner-started" | "bootstrap-failed",
): QueueMessage {
  return {
    type: "runner_event",
    deliveryId: `r-${runnerName}-${kind}`,
    receivedAt: 1,
    jobId: "42",
    runnerName,
    instanceId: "i-1",
    kind,
  };
}

Deno.test("a workflow job's key is its id and action, one key per action", () => {
  const actions: WorkflowJobAction[] = ["queued", "waiting", "in_progress", "completed"];
  assert.deepEqual(actions.map((action) => dedupeKeyOf(jobMessage(42, action))), [
    "workflow_job:42:queued",
    "workflow_job:42:waiting",
    "workflow_job:42:in_progress",
    "workflow_job:42:completed",
  ]);
  assert.equal(dedupeKeyOf(jobMessage(43, "queued")), "workflow_job:43:queued");
  // The delivery id is not part of it: GitHub's redelivery carries a new one.
  const redelivered = { ...jobMessage(42, "queued"), deliveryId: "another" } as QueueMessage;
  assert.equal(dedupeKeyOf(redelivered), "workflow_job:42:queued");
});

Deno.test("a runner event's key is its runner and kind, one key per kind", () => {
  assert.equal(
    dedupeKeyOf(runnerMessage("gantry-1", "runner-started")),
    "runner_event:gantry-1:runner-started",
  );
  assert.equal(
    dedupeKeyOf(runnerMessage("gantry-1", "bootstrap-failed")),
    "runner_event:gantry-1:bootstrap-failed",
  );
  assert.equal(
    dedupeKeyOf(runnerMessage("gantry-2", "runner-started")),
    "runner_event:gantry-2:runner-started",
  );
});

Deno.test("the job and correlation ids of both kinds of message", () => {
  assert.equal(jobIdOf(jobMessage(42, "queued")), "42");
  assert.equal(jobIdOf(runnerMessage("gantry-1", "runner-started")), "42");
  assert.equal(correlationIdOfJob(7), "job-7");
  assert.equal(correlationIdOf(jobMessage(42, "queued")), "job-42");
  assert.equal(
    correlationIdOf(
      { ...runnerMessage("r", "runner-started"), correlationId: "c-1" } as QueueMessage,
    ),
    "c-1",
  );
});
