/**
 * Bodies of the console API: what the edge validates on the way in and what
 * the console can rely on coming back. Times are epoch milliseconds.
 *
 * @module
 */

import { z } from "zod";
import { InvalidError } from "../errors.ts";
import { JOB_STATES } from "../job_state.ts";

/** Query of `GET /api/jobs`; values arrive as strings, `limit` is converted. */
export const JobsListQuery = z.object({
  status: z.enum(JOB_STATES).optional(),
  project: z.string().min(1).optional(),
  pool: z.string().min(1).optional(),
  repo: z.string().min(1).optional(),
  /** Opaque; from a previous page's `nextCursor`. */
  cursor: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** A parsed jobs list query. */
export type JobsListQuery = z.infer<typeof JobsListQuery>;

const EpochMs = z.number().int().nonnegative();

/** One job as the API returns it. */
export const JobView = z.object({
  id: z.string(),
  githubJobId: z.number().int(),
  runId: z.number().int(),
  runAttempt: z.number().int(),
  repoFullName: z.string(),
  workflowName: z.string().nullable(),
  jobName: z.string(),
  branch: z.string().nullable(),
  sha: z.string(),
  sender: z.string().nullable(),
  labels: z.array(z.string()),
  state: z.enum(JOB_STATES),
  project: z.string().nullable(),
  pool: z.string().nullable(),
  instanceId: z.string().nullable(),
  instanceType: z.string().nullable(),
  isSpot: z.boolean().nullable(),
  priceUsdPerHour: z.number().nullable(),
  costUsd: z.number().nullable(),
  failureReason: z.string().nullable(),
  queuedAt: EpochMs,
  launchedAt: EpochMs.nullable(),
  startedAt: EpochMs.nullable(),
  completedAt: EpochMs.nullable(),
  updatedAt: EpochMs,
});
/** One job as the API returns it. */
export type JobView = z.infer<typeof JobView>;

/** A page of jobs, newest first; `nextCursor` is null on the last page. */
export const JobsListResponse = z.object({
  jobs: z.array(JobView),
  nextCursor: z.string().nullable(),
});
/** A page of jobs. */
export type JobsListResponse = z.infer<typeof JobsListResponse>;

/** Every error answer: `{ error: { code, message, issues? } }`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
/** An error answer. */
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Where a page of jobs ends: the last job's queue time and id (the tie-breaker). */
export interface JobsCursor {
  queuedAt: number;
  id: string;
}

const Cursor = z.strictObject({ queuedAt: EpochMs, id: z.string().min(1).max(256) });

/** A cursor is small; anything longer was not made by {@link encodeCursor}. */
const MAX_CURSOR_LENGTH = 512;

/** Encodes a page position as an opaque base64url string. */
export function encodeCursor(cursor: JobsCursor): string {
  const bytes = new TextEncoder().encode(
    JSON.stringify({ queuedAt: cursor.queuedAt, id: cursor.id }),
  );
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 *
 * @throws {InvalidError} at path `cursor` for anything else.
 */
export function decodeCursor(cursor: string): JobsCursor {
  const fail = (cause?: unknown): never => {
    throw new InvalidError("invalid cursor: start again from the first page", {
      cause,
      issues: [{ path: "cursor", message: "not a cursor this API issued" }],
    });
  };
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) fail();
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) fail();
  let value: unknown;
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    fail(error);
  }
  const result = Cursor.safeParse(value);
  return result.success ? result.data : fail(result.error);
}
