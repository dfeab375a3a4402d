/**
 * Spot interruptions: mark the job a reclaimed instance was running, and once
 * GitHub has failed it and its workflow run has completed (GitHub refuses a
 * re-run before), re-run that one job with its next attempt forced on-demand
 * (bounded by `scheduler.spot_retries`; each matrix job on its own). A job of
 * a reusable workflow, which GitHub never re-runs alone, is re-run through its
 * run's re-run-failed-jobs. The run is looked at again when another job of it
 * completes and on every reconciler pass, for at most {@link RERUN_WAIT_MS}.
 *
 * Every step is safe to repeat: the mark is set once, the re-run is found
 * again by name when GitHub refuses a second one, the new attempt's row is
 * inserted or patched, never duplicated, and only the final outcome is
 * audited, once.
 */
import type { JobFacts, WorkflowJobMessage } from "../../shared/schema/edge_core.ts";
import { RERUN_WAIT_MS, rerunDecision, rerunTiming } from "../../shared/spot_retry.ts";
import type { InterruptionStore, SpotRetryStore } from "../db/spot_retry_queries.ts";
import type { JobRow } from "../db/store.ts";
import type { GitHub } from "../github/github.ts";
import type { Logger } from "../log.ts";

export interface SpotRetryDeps {
  store: SpotRetryStore;
  github: Pick<GitHub, "jobsOfRun" | "workflowRun" | "rerunJob" | "rerunFailedJobs">;
  log: Logger;
  now: () => number;
  /** Re-runs allowed per job line (scheduler.spot_retries). */
  maxRetries: number;
  /** How long to wait for an interrupted job's run to complete; default {@link RERUN_WAIT_MS}. */
  maxWaitMs?: number;
  /** Hands a queued job to the scheduler, exactly as a delivered `queued` webhook would. */
  enqueue: (message: WorkflowJobMessage) => Promise<void>;
}

/**
 * Marks the job running on `instanceId` interrupted (or `fallbackJobId`, the
 * job the instance was launched for, when nothing runs on it yet). Returns the
 * job marked, or null when it was already marked or is unknown.
 */
export async function markInterrupted(
  store: InterruptionStore,
  event: { instanceId: string; fallbackJobId: string | null; at: number; source: string },
): Promise<string | null> {
  const jobId = await store.jobRunningOn(event.instanceId) ?? event.fallbackJobId;
  if (!jobId) return null;
  if (!await store.markJobInterrupted(jobId, event.at)) return null;
  await store.audit({
    at: event.at,
    actor: "core",
    action: "job.interrupted",
    target: jobId,
    payload: { instanceId: event.instanceId, source: event.source },
  });
  return jobId;
}

/**
 * Re-runs `jobId` if it was interrupted, GitHub failed it, retries remain and
 * its workflow run has completed; returns the new attempt's job id, or null
 * when there is nothing to do yet (or ever).
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
  if (await store.retryOf(jobId) || await store.isRetrySettled(jobId)) return null;
  const repo = { repoFullName: job.repoFullName, installationId: job.installationId };
  const findNext = async () =>
    (await github.jobsOfRun(repo, job.runId)).find((candidate) =>
      candidate.name === job.jobName && candidate.githubJobId !== job.githubJobId &&
      candidate.runAttempt > job.runAttempt
    );
  // Re-run already (by us before a crash, or by a person): adopt that attempt.
  let next = await findNext();
  if (!next) {
    const timing = rerunTiming(
      await github.workflowRun(repo, job.runId),
      job.completedAt,
      now(),
      deps.maxWaitMs ?? RERUN_WAIT_MS,
    );
    if (timing.kind === "wait") {
      log.debug("spot re-run waits for its workflow run", { jobId, reason: timing.reason });
      return null;
    }
    if (timing.kind === "give_up") {
      await store.auditRetryOutcome({
        at: now(),
        jobId,
        outcome: "failed",
        payload: { reason: timing.reason },
      });
      log.warn("spot re-run given up", { jobId, reason: timing.reason });
      return null;
    }
    let outcome = await github.rerunJob(repo, job.githubJobId);
    // GitHub never re-runs one job of a reusable workflow: the run's failed jobs, then.
    if (outcome === "refused") outcome = await github.rerunFailedJobs(repo, job.runId);
    next = await findNext();
    if (!next) {
      // The run moved on meanwhile (another re-run began): a later look may still land it.
      log.warn("spot re-run refused; trying again later", { jobId, outcome });
      return null;
    }
  }
  const nextId = await adoptRetry(deps, job, next, decision.spotRetries);
  await store.auditRetryOutcome({
    at: now(),
    jobId,
    outcome: "ok",
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

/**
 * Interrupted failed jobs of one run still waiting for their re-run, looked
 * at when a job of that run completes (the run may have completed with it).
 * Read through the repo index, within the wait bound.
 */
export async function waitingRetriesOfRun(
  deps: Pick<SpotRetryDeps, "store" | "now" | "maxWaitMs">,
  repoFullName: string,
  runId: number,
): Promise<string[]> {
  // A job may run for days before its interruption (GitHub allows self-hosted jobs 5 days).
  const since = deps.now() - (deps.maxWaitMs ?? RERUN_WAIT_MS) - 6 * 24 * 3600_000;
  return await deps.store.waitingRetriesOfRun({ repoFullName, runId }, since);
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
    await store.markRetry(id, marks);
  }
  return id;
}
