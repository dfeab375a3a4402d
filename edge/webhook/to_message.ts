import type { WorkflowJobEvent } from "../../shared/schema/webhook.ts";
import { correlationIdOfJob, type WorkflowJobMessage } from "../../shared/schema/edge_core.ts";

/** Flattens a validated `workflow_job` webhook into the queue message a core acts on. */
export function toWorkflowJobMessage(
  event: WorkflowJobEvent,
  deliveryId: string,
  receivedAt: number,
): WorkflowJobMessage {
  const job = event.workflow_job;
  return {
    type: "workflow_job",
    action: event.action,
    deliveryId,
    correlationId: correlationIdOfJob(job.id),
    receivedAt,
    job: {
      githubJobId: job.id,
      runId: job.run_id,
      runAttempt: job.run_attempt ?? 1,
      name: job.name,
      labels: [...job.labels],
      repoFullName: event.repository.full_name,
      installationId: event.installation?.id ?? null,
      sender: event.sender?.login ?? null,
      headBranch: job.head_branch ?? null,
      headSha: job.head_sha,
      workflowName: job.workflow_name ?? null,
      htmlUrl: job.html_url ?? null,
      status: job.status,
      conclusion: job.conclusion ?? null,
      runnerName: job.runner_name ?? null,
      createdAt: job.created_at ?? new Date(receivedAt).toISOString(),
      startedAt: job.started_at ?? null,
      completedAt: job.completed_at ?? null,
    },
  };
}
