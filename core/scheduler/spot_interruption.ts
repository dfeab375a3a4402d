/**
 * Spot interruptions: mark the job a reclaimed instance was running, and once
 * GitHub has failed it, re-run that one job with its next attempt forced
 * on-demand (bounded by `scheduler.spot_retries`; each matrix job on its own).
 *
 * Every step is safe to repeat: the mark is set once, the re-run is found
 * again by name when GitHub refuses a second one, and the new attempt's row
 * is inserted or patched, never duplicated.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import { jobs } from "../../shared/db/schema.ts";
import type { JobFacts, WorkflowJobMessage } from "../../shared/schema/edge_core.ts";
import { rerunDecision } from "../../shared/spot_retry.ts";
import type { JobRow, Store } from "../db/store.ts";
import type { GitHub } from "../github/github_app.ts";
import type { Logger } from "../log.ts";

export interface SpotRetryDeps {
  store: Store;
  github: GitHub;
  log: Logger;
  now: () => number;
  /** Re-runs allowed per job line (scheduler.spot_retries). */
  maxRetries: number;
  /** Hands a queued job to the scheduler, exactly as a delivered `queued` webhook would. */
  enqueue: (message: WorkflowJobMessage) => Promise<void>;
}

/**
 * Marks the job running on `instanceId` interrupted (or `fallbackJobId`, the
 * job the instance was launched for, when nothing runs on it yet). Returns the
 * job marked, or null when it was already marked or is unknown.
 */
export async function markInterrupted(
  store: Store,
  event: { instanceId: string; fallbackJobId: string | null; at: number; source: string },
): Promise<string | null> {
  const [running] = await store.db.select({ id: jobs.id }).from(jobs).where(
    and(eq(jobs.instanceId, event.instanceId), inArray(jobs.state, ["starting", "running"])),
  );
  const jobId = running?.id ?? event.fallbackJobId;
  if (!jobId) return null;
  const marked = await store.db.update(jobs).set({ interruptedAt: event.at })
    .where(and(eq(jobs.id, jobId), isNull(jobs.interruptedAt)))
    .returning({ id: jobs.id });
  if (marked.length === 0) return null;
  await store.audit({
    at: event.at,
    actor: "core",
    action: "job.interrupted",
    target: jobId,
    payload: { instanceId: event.instanceId, source: event.source },
  });
  return jobId;
}

/** The re-run Gantry already created for `jobId`, if any. */
async function retryOf(store: Store, jobId: string): Promise<JobRow | null> {
  const [row] = await store.db.select().from(jobs).where(eq(jobs.retryOfJobId, jobId));
  return row ?? null;
}

/**
 * Re-runs `jobId` if it was interrupted, GitHub failed it, and retries
 * remain; returns the new attempt's job id, or null when there is nothing to do.
 */
export async function retryInterrupted(deps: SpotRetryDeps, jobId: string): Promise<string | null> {
  const { store, github, log, now } = deps;
  const job = await store.job(jobId);
  if (!job) return null;
  const decision = rerunDecision(job, job.conclusion, deps.maxRetries);
  if (decision.kind === "none") {
    if (job.interruptedAt !== null) {
      log.info("interrupted job not re-run", { jobId, reason: decision.reason });
    }
    return null;
  }
  if (await retryOf(store, jobId)) return null;
  const repo = { repoFullName: job.repoFullName, installationId: job.installationId };
  const outcome = await github.rerunJob(repo, job.githubJobId);
  // Refused: re-run already (by us before a crash, or by a person); the new try is found by name.
  const next = (await github.jobsOfRun(repo, job.runId)).find((candidate) =>
    candidate.name === job.jobName && candidate.githubJobId !== job.githubJobId &&
    candidate.runAttempt > job.runAttempt
  );
  if (!next) {
    await store.audit({
      at: now(),
      actor: "core",
      action: "job.rerun",
      target: jobId,
      outcome: "failed",
      payload: { reason: `GitHub ${outcome} the re-run and no newer attempt exists` },
    });
    log.warn("spot re-run not possible", { jobId, outcome });
    return null;
  }
  const nextId = await adoptRetry(deps, job, next, decision.spotRetries);
  await store.audit({
    at: now(),
    actor: "core",
    action: "job.rerun",
    target: jobId,
    payload: {
      reason: "spot interruption",
      nextJobId: nextId,
      runAttempt: next.runAttempt,
      spotRetries: decision.spotRetries,
      forcedOnDemand: true,
    },
  });
  log.info("re-running job after spot interruption", {
    jobId,
    nextJobId: nextId,
    spotRetries: decision.spotRetries,
  });
  await deps.enqueue({
    type: "workflow_job",
    action: "queued",
    deliveryId: `gantry-rerun-${nextId}`,
    receivedAt: now(),
    job: next,
  });
  return nextId;
}

/** Records the new attempt as a forced on-demand re-run of `previous`, before it is launched. */
async function adoptRetry(
  deps: SpotRetryDeps,
  previous: JobRow,
  next: JobFacts,
  spotRetries: number,
): Promise<string> {
  const { store, now } = deps;
  const id = String(next.githubJobId);
  const marks = { isForcedOnDemand: true, spotRetries, retryOfJobId: previous.id };
  const at = now();
  const isInserted = await store.insertJob(
    {
      id,
      githubJobId: next.githubJobId,
      runId: next.runId,
      runAttempt: next.runAttempt,
      installationId: next.installationId ?? previous.installationId,
      repoFullName: previous.repoFullName,
      workflowName: next.workflowName,
      jobName: next.name,
      branch: next.headBranch,
      sha: next.headSha,
      sender: previous.sender,
      htmlUrl: next.htmlUrl,
      labels: next.labels,
      state: "queued",
      queuedAt: Date.parse(next.createdAt) || at,
      updatedAt: at,
      ...marks,
    },
    at,
    `re-run of ${previous.id} after a spot interruption`,
  );
  if (!isInserted) {
    // Its webhook got here first; mark it while it has not launched yet.
    await store.db.update(jobs).set(marks).where(
      and(eq(jobs.id, id), inArray(jobs.state, ["queued", "claimed"])),
    );
  }
  return id;
}
