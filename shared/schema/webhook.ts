/**
 * GitHub webhook payloads the edge accepts: `workflow_job` (the only event
 * that moves jobs) and `ping` (sent when the hook is created). Fields Gantry
 * does not use are stripped; fields it does use are checked hard, since the
 * payload is attacker-shaped until its signature is verified and
 * size-bounded even after.
 *
 * Checked against every example in `@octokit/webhooks-examples`.
 *
 * @module
 */

import { z } from "zod";
import { parseOrThrow } from "./issues.ts";
import { WorkflowJobAction } from "./vocabulary.ts";

/** GitHub caps a job at far fewer labels; more is an attack or a bug. */
export const MAX_JOB_LABELS = 100;

/** A repository as `owner/repo`. */
export const RepoFullName = z.string().regex(
  /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/,
  "expected owner/repo",
);

/** A positive integer id, as GitHub sends them: numbers, never strings. */
const Id = z.int().positive();

const Timestamp = z.string().refine(
  (value) => !Number.isNaN(Date.parse(value)),
  "expected an ISO 8601 timestamp",
);

/** One `runs-on` label: 1–256 characters, no control characters. */
export const JobLabel = z.string().min(1).max(256).refine(
  (value) => !/\p{Cc}/u.test(value),
  "must not contain control characters",
);

const Repository = z.object({
  id: Id,
  name: z.string().min(1),
  full_name: RepoFullName,
  owner: z.object({ login: z.string().min(1) }),
});

const Login = z.object({ login: z.string().min(1) });

/** GitHub's web origin; a GitHub Enterprise Server deployment passes its own. */
export const GITHUB_SERVER_URL = "https://github.com";

/**
 * The job's page, rendered as a link in the console: an https:// URL on the
 * GitHub server (`https://github.com/…` or the GHES host's), never
 * `javascript:` or another site, even in a signed payload.
 */
export function jobHtmlUrl(githubServerUrl: string = GITHUB_SERVER_URL) {
  const origin = new URL(githubServerUrl).origin;
  return z.string().max(2000).refine((value) => {
    if (/\p{Cc}/u.test(value)) return false;
    try {
      const url = new URL(value);
      return url.protocol === "https:" && url.origin === origin && !url.username && !url.password;
    } catch (_unparsable) {
      return false;
    }
  }, `must be an https URL on ${origin}`);
}

/** A `workflow_job` webhook body, reduced to what Gantry reads; job links on `githubServerUrl`. */
export function workflowJobEventOf(githubServerUrl: string = GITHUB_SERVER_URL) {
  return WorkflowJobEventBase.extend({
    workflow_job: WorkflowJobEventBase.shape.workflow_job.extend({
      html_url: jobHtmlUrl(githubServerUrl).optional(),
    }),
  });
}

const WorkflowJobEventBase = z.object({
  action: WorkflowJobAction,
  workflow_job: z.object({
    id: Id,
    run_id: Id,
    run_attempt: z.int().min(1).default(1),
    name: z.string(),
    // Count first, so a huge list fails once instead of per element.
    labels: z.array(z.unknown()).max(MAX_JOB_LABELS).pipe(z.array(JobLabel)),
    status: z.string().min(1),
    conclusion: z.string().nullable().optional(),
    head_branch: z.string().nullable().optional(),
    head_sha: z.string().min(1),
    workflow_name: z.string().nullable().optional(),
    html_url: jobHtmlUrl().optional(),
    // Always sent today; absent from GitHub's own older examples.
    created_at: Timestamp.optional(),
    started_at: Timestamp.nullable().optional(),
    completed_at: Timestamp.nullable().optional(),
    runner_id: z.int().nullable().optional(),
    runner_name: z.string().nullable().optional(),
    runner_group_name: z.string().nullable().optional(),
  }),
  repository: Repository,
  sender: Login.optional(),
  installation: z.object({ id: Id }).optional(),
});
/** A `workflow_job` webhook body from github.com. */
export const WorkflowJobEvent = workflowJobEventOf();
/** A parsed `workflow_job` webhook body. */
export type WorkflowJobEvent = z.infer<typeof WorkflowJobEvent>;

/** A `ping` webhook body, sent once when the hook is created. */
export const PingEvent = z.object({
  zen: z.string(),
  hook_id: Id,
  hook: z.object({
    type: z.string().optional(),
    events: z.array(z.string()).optional(),
    app_id: Id.optional(),
  }).optional(),
  repository: z.object({ id: Id, full_name: RepoFullName }).optional(),
  sender: Login.optional(),
});
/** A parsed `ping` webhook body. */
export type PingEvent = z.infer<typeof PingEvent>;

/**
 * Parses a `workflow_job` body.
 *
 * @throws {InvalidError} listing each problem by path, e.g.
 *   `workflow_job.id: expected number, received string`.
 */
export function parseWorkflowJobEvent(
  body: unknown,
  options: { githubServerUrl?: string } = {},
): WorkflowJobEvent {
  const schema =
    options.githubServerUrl === undefined || options.githubServerUrl === GITHUB_SERVER_URL
      ? WorkflowJobEvent
      : workflowJobEventOf(options.githubServerUrl);
  return parseOrThrow(schema, body, { what: "workflow_job event" });
}

/**
 * Parses a `ping` body.
 *
 * @throws {InvalidError} listing each problem by path.
 */
export function parsePingEvent(body: unknown): PingEvent {
  return parseOrThrow(PingEvent, body, { what: "ping event" });
}
