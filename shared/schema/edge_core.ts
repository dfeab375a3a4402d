/**
 * Messages between the edge's queue and the cores that lease from it.
 * The edge normalises each accepted webhook into a `QueueMessage`; a core
 * leases batches of them, acks what it handled and nacks what it must retry.
 */
import { z } from "zod";
import { RunnerEventKind } from "./runner.ts";
import { WorkflowJobAction } from "./vocabulary.ts";

/** The fields of a workflow job the core acts on, flattened from the webhook. */
export const JobFacts = z.object({
  githubJobId: z.number().int().positive(),
  runId: z.number().int().positive(),
  runAttempt: z.number().int().positive(),
  name: z.string(),
  labels: z.array(z.string()),
  repoFullName: z.string(),
  installationId: z.number().int().nullable(),
  sender: z.string().nullable(),
  headBranch: z.string().nullable(),
  headSha: z.string(),
  workflowName: z.string().nullable(),
  htmlUrl: z.string().nullable(),
  status: z.string(),
  conclusion: z.string().nullable(),
  runnerName: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});
export type JobFacts = z.infer<typeof JobFacts>;

export const WorkflowJobMessage = z.object({
  type: z.literal("workflow_job"),
  action: WorkflowJobAction,
  deliveryId: z.string(),
  /** The job's id in every log line about it, edge and core (absent in older messages). */
  correlationId: z.string().max(128).optional(),
  receivedAt: z.number(),
  job: JobFacts,
});
export type WorkflowJobMessage = z.infer<typeof WorkflowJobMessage>;

/** A lifecycle report from a runner instance, relayed by the edge. */
export const RunnerEventMessage = z.object({
  type: z.literal("runner_event"),
  deliveryId: z.string(),
  correlationId: z.string().max(128).optional(),
  receivedAt: z.number(),
  jobId: z.string(),
  runnerName: z.string(),
  instanceId: z.string(),
  kind: RunnerEventKind,
  log: z.string().optional(),
});
export type RunnerEventMessage = z.infer<typeof RunnerEventMessage>;

export const QueueMessage = z.discriminatedUnion("type", [WorkflowJobMessage, RunnerEventMessage]);
export type QueueMessage = z.infer<typeof QueueMessage>;

/** Key under which the queue drops a redelivered event (same job and action, same runner and kind). */
export function dedupeKeyOf(message: QueueMessage): string {
  return message.type === "workflow_job"
    ? `${message.type}:${message.job.githubJobId}:${message.action}`
    : `${message.type}:${message.runnerName}:${message.kind}`;
}

/** The job an event concerns, for logs and correlation. */
export function jobIdOf(message: QueueMessage): string {
  return message.type === "workflow_job" ? String(message.job.githubJobId) : message.jobId;
}

/** A job's correlation id: the same for every webhook, runner callback and log line about it. */
export function correlationIdOfJob(jobId: string | number): string {
  return `job-${jobId}`;
}

/** The correlation id an event carries (or its job's, for messages queued before the field existed). */
export function correlationIdOf(message: QueueMessage): string {
  return message.correlationId ?? correlationIdOfJob(jobIdOf(message));
}

export const LeaseRequest = z.object({
  /** Most events to hand out in this lease. */
  max: z.number().int().min(1).max(500).default(50),
  /** How long to hold the request open waiting for events (long-poll). */
  waitMs: z.number().int().min(0).max(25_000).default(25_000),
  /** How long the events stay invisible to other cores before redelivery. */
  leaseMs: z.number().int().min(1_000).max(600_000).default(60_000),
});
export type LeaseRequest = z.infer<typeof LeaseRequest>;

export const LeasedEvent = z.object({
  eventId: z.number().int(),
  leaseId: z.string(),
  /** 1 on first delivery; higher when an earlier lease expired or was nacked. */
  deliveries: z.number().int().positive(),
  enqueuedAt: z.number(),
  message: QueueMessage,
});
export type LeasedEvent = z.infer<typeof LeasedEvent>;

export const LeaseResponse = z.object({
  events: z.array(LeasedEvent),
  /** Events still ready after this lease (an edge before this field: 0). */
  backlog: z.number().int().min(0).default(0),
});
export type LeaseResponse = z.infer<typeof LeaseResponse>;

const LeaseRef = z.object({ eventId: z.number().int(), leaseId: z.string().min(1).max(64) });
export type LeaseRef = z.infer<typeof LeaseRef>;

export const AckRequest = z.object({ leases: z.array(LeaseRef).min(1).max(500) });
export type AckRequest = z.infer<typeof AckRequest>;

export const NackRequest = z.object({
  leases: z.array(LeaseRef).min(1).max(500),
  /** Redeliver no sooner than this. */
  delayMs: z.number().int().min(0).max(3_600_000).default(0),
});
export type NackRequest = z.infer<typeof NackRequest>;

/** How many of the referenced leases were still live and took effect. */
export const SettleResponse = z.object({ settled: z.number().int() });
export type SettleResponse = z.infer<typeof SettleResponse>;

/** JWT audience of core → edge tokens. */
export const CORE_TOKEN_AUDIENCE = "gantry-edge/core";
