/** A parsed `workflow_job` webhook flattened into the queue message, with and without its optional fields. */
import assert from "node:assert/strict";
import { type WorkflowJobEvent } from "../../shared/schema/webhook.ts";
import { toWorkflowJobMessage } from "./to_message.ts";

const RECEIVED_AT = Date.UTC(2026, 11, 5, 6, 0, 0);

Deno.test("every field of a full workflow_job event lands in the message", () => {
  const event: WorkflowJobEvent = {
    action: "completed",
    workflow_job: {
      id: 9001,
      run_id: 77,
      run_attempt: 2,
      name: "build",
      labels: ["self-hosted", "large"],
      status: "completed",
      conclusion: "success",
      head_branch: "main",
      head_sha: "abc123",
      workflow_name: "CI",
      html_url: "https://github.com/octo/app/actions/runs/77/job/9001",
      created_at: "2026-12-05T05:00:00Z",
      started_at: "2026-12-05T05:01:00Z",
      completed_at: "2026-12-05T05:09:00Z",
      runner_name: "gantry-9001",
    },
    repository: { full_name: "octo/app", name: "app", owner: { login: "octo" } },
    sender: { login: "hubot" },
    installation: { id: 42 },
  } as WorkflowJobEvent;
  const message = toWorkflowJobMessage(event, "delivery-1", RECEIVED_AT);
  assert.deepEqual(message, {
    type: "workflow_job",
    action: "completed",
    deliveryId: "delivery-1",
    correlationId: "job-9001",
    receivedAt: RECEIVED_AT,
    job: {
      githubJobId: 9001,
      runId: 77,
      runAttempt: 2,
      name: "build",
      labels: ["self-hosted", "large"],
      repoFullName: "octo/app",
      installationId: 42,
      sender: "hubot",
      headBranch: "main",
      headSha: "abc123",
      workflowName: "CI",
      htmlUrl: "https://github.com/octo/app/actions/runs/77/job/9001",
      status: "completed",
      conclusion: "success",
      runnerName: "gantry-9001",
      createdAt: "2026-12-05T05:00:00Z",
      startedAt: "2026-12-05T05:01:00Z",
      completedAt: "2026-12-05T05:09:00Z",
    },
  });
  // The message owns its labels: changing the event afterwards does not reach it.
  event.workflow_job.labels.push("gpu");
  assert.deepEqual(message.job.labels, ["self-hosted", "large"]);
});

Deno.test("absent optional fields become null, attempt 1 and the time it was received", () => {
  const event = {
    action: "queued",
    workflow_job: {
      id: 9002,
      run_id: 78,
      name: "test",
      labels: [],
      status: "queued",
      head_sha: "def456",
    },
    repository: { full_name: "octo/app", name: "app", owner: { login: "octo" } },
  } as unknown as WorkflowJobEvent;
  assert.deepEqual(toWorkflowJobMessage(event, "delivery-2", RECEIVED_AT).job, {
    githubJobId: 9002,
    runId: 78,
    runAttempt: 1,
    name: "test",
    labels: [],
    repoFullName: "octo/app",
    installationId: null,
    sender: null,
    headBranch: null,
    headSha: "def456",
    workflowName: null,
    htmlUrl: null,
    status: "queued",
    conclusion: null,
    runnerName: null,
    createdAt: "2026-12-05T06:00:00.000Z",
    startedAt: null,
    completedAt: null,
  });
});
