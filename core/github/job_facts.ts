/**
 * A workflow job as the REST API returns it (`GET .../actions/jobs/{id}`,
 * `GET .../actions/runs/{id}/jobs`), parsed at the boundary and flattened to
 * the same `JobFacts` a webhook gives, so reconciliation feeds the scheduler
 * exactly what a delivered webhook would have.
 */
import { z } from "zod";
import type { JobFacts } from "../../shared/schema/edge_core.ts";

/** The fields of a REST workflow job the core reads; the rest is ignored. */
export const RestWorkflowJob = z.object({
  id: z.number().int().positive(),
  run_id: z.number().int().positive(),
  run_attempt: z.number().int().positive().optional(),
  name: z.string(),
  labels: z.array(z.string()),
  head_sha: z.string(),
  head_branch: z.string().nullable().optional(),
  workflow_name: z.string().nullable().optional(),
  html_url: z.string().nullable(),
  status: z.string(),
  conclusion: z.string().nullable(),
  runner_name: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export type RestWorkflowJob = z.infer<typeof RestWorkflowJob>;

/** The job's facts as a webhook would carry them (no sender: the REST job has none). */
export function jobFactsOf(
  raw: unknown,
  context: { repoFullName: string; installationId: number | null },
): JobFacts {
  const job = RestWorkflowJob.parse(raw);
  return {
    githubJobId: job.id,
    runId: job.run_id,
    runAttempt: job.run_attempt ?? 1,
    name: job.name,
    labels: job.labels,
    repoFullName: context.repoFullName,
    installationId: context.installationId,
    sender: null,
    headBranch: job.head_branch ?? null,
    headSha: job.head_sha,
    workflowName: job.workflow_name ?? null,
    htmlUrl: job.html_url,
    status: job.status,
    conclusion: job.conclusion,
    runnerName: job.runner_name,
    createdAt: job.created_at,
    startedAt: job.started_at,
    completedAt: job.completed_at,
  };
}
