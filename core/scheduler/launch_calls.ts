/**
 * Launch calls: a gathered batch's attempt and client token are recorded on
 * every job before the call, so a crash after it replays this very token and
 * the provider launches nothing new. Then the call, and what its answer
 * means for the jobs (the scheduler's reaction to each provider error class):
 * - machines for only some jobs (capacity): the rest are queued again, to be
 *   admitted after a per-job backoff, away from the placements that failed;
 * - {@link PermanentError}, or an {@link UnknownProviderError} replayed too
 *   often: the jobs fail with the provider's text;
 * - any other throw (throttled, transient, network): the outcome is unknown,
 *   so the same call is replayed after a per-client-token backoff.
 */
import {
  clientTokenOf,
  exclusionOf,
  parseClientToken,
  type Placement,
  retryDelayMs,
  type RetrySchedule,
} from "../../shared/launch/batch.ts";
import { MAX_UNKNOWN_RETRIES, planShortfall } from "../../shared/launch/shortfall.ts";
import type { LauncherStore, LaunchQueries } from "../db/launch_queries.ts";
import type { Binding, JobRow, PoolRow } from "../db/store.ts";
import { correlationIdsOf } from "../log.ts";
import {
  type LaunchFailure,
  PermanentError,
  ProviderError,
  ThrottledError,
  UnknownProviderError,
} from "../providers/provider.ts";
import { GantryError } from "../../shared/errors.ts";
import type { BackgroundWork, LaunchHolds } from "./background_work.ts";
import { batchKeyOfJob } from "./batch_gathering.ts";
import { ClientTokenBackoff, JobBackoff, PlacementExclusions } from "./launch_backoff.ts";
import { type Batch, type BatchDeps, launchBatch } from "./launch_batch.ts";
import { poolSpecOf } from "./pool_spec.ts";
import { runnerNameOf } from "./runner_labels.ts";
import type { LaunchMetrics } from "../metrics/core_metrics.ts";
import type { LaunchGateView } from "../control/launch_gate.ts";
import { isStoppedToken } from "../../shared/launch/stopped_pool.ts";
import { resumeFromStopped, startFromStopped, type StoppedStartDeps } from "./stopped_start.ts";

/** Shortest time a placement that had no capacity is left out of a key's launches. */
const EXCLUSION_MS = 60_000;

export interface LaunchCallsOptions extends BatchDeps {
  launches: LaunchQueries;
  store: LauncherStore;
  /** This core (edge.core_id): only its own claims are replayed. */
  coreId: string;
  /** Backoff after a launch met no capacity (or an unknown outcome). */
  retry: RetrySchedule;
  random?: () => number;
  holds: LaunchHolds;
  work: BackgroundWork;
  /** A backoff ran out: the launcher should look again. */
  onRetryDue: () => void;
  /** Counts machines launched and jobs a launch failed, by code. */
  metrics?: LaunchMetrics;
  /** An operator's pause or drain that came while the batch gathered: it goes back to the queue. */
  gate?: LaunchGateView;
  /** A repo's binding as admission read it a moment ago; default: read it again. */
  recentBinding?: (repo: string) => Promise<Binding | null>;
}

export class LaunchCalls {
  readonly #jobBackoff = new JobBackoff();
  readonly #clientTokenBackoff = new ClientTokenBackoff();
  readonly #exclusions = new PlacementExclusions();
  readonly #stopped: StoppedStartDeps;

  constructor(readonly options: LaunchCallsOptions) {
    this.#stopped = { ...options, standby: options.store.stoppedPool };
  }

  /** Whether a queued job's backoff after a shortfall has run out. */
  mayRetry(jobId: string, at: number): boolean {
    return this.#jobBackoff.mayRetry(jobId, at);
  }

  /** Jobs backing off after a launch that gave them no machine (a metric). */
  retriesWaiting(at: number): number {
    return this.#jobBackoff.waitingAt(at);
  }

  /** Records the attempt and token on every job of a gathered batch, then calls. */
  async start(key: string, claimed: JobRow[]): Promise<void> {
    let jobs = claimed;
    const { holds, launches, now, gate } = this.options;
    if (gate && jobs[0].poolId && !gate.mayLaunch(jobs[0].poolId)) {
      await launches.transitionMany(
        jobs.map((job) => ({
          id: job.id,
          from: "claimed",
          to: "queued",
          reason: "launching held by an operator",
        })),
        now(),
      );
      for (const job of jobs) holds.jobs.delete(job.id);
      return;
    }
    const found = await this.#poolOf(jobs[0]);
    if (!found) {
      await this.#fail(jobs.map((j) => ({ ...j, state: "claimed" })), "pool no longer exists");
      return;
    }
    // A pool with stopped instances starts one per job; the rest launch cold.
    const stopped = await startFromStopped(jobs, found, this.#stopped);
    const cold = new Set(stopped.cold.map((job) => job.id));
    for (const job of jobs) if (!cold.has(job.id)) holds.jobs.delete(job.id);
    this.#retryLater(stopped.failed.map((job) => job.id));
    if (stopped.cold.length === 0) return;
    jobs = stopped.cold;
    const all = this.#placementsOf(found);
    const excluded = this.#exclusions.maskOf(key, { placements: all.length, at: now() });
    const issuedAt = now();
    const attempts = jobs.map((job) => ({
      id: job.id,
      attempt: job.launchAttempts + 1,
      runnerName: runnerNameOf(job.id, job.launchAttempts + 1),
    }));
    const clientToken = clientTokenOf(attempts, { issuedAt, excluded });
    // Ours from now on: a sweep must not take the recorded jobs for a launch to resume.
    holds.calls.add(clientToken);
    let moved: Set<string>;
    try {
      moved = await launches.transitionMany(
        attempts.map(({ id, attempt, runnerName }) => ({
          id,
          from: "claimed",
          to: "launching",
          reason: `launch attempt ${attempt} (${jobs.length} in batch ${clientToken})`,
          patch: {
            launchAttempts: attempt,
            launchClientToken: clientToken,
            runnerName,
          },
        })),
        issuedAt,
      );
    } catch (error) {
      // Unknown whether they moved: the next sweep resumes whatever the database says.
      holds.calls.delete(clientToken);
      throw error;
    }
    for (const job of jobs) if (!moved.has(job.id)) holds.jobs.delete(job.id);
    if (moved.size === 0) {
      holds.calls.delete(clientToken);
      return;
    }
    // The rows as just written, in id order as a replay reads them (no read back: it would
    // stand before the launch call).
    const recorded = jobs.flatMap((job, i): JobRow[] =>
      moved.has(job.id)
        ? [{
          ...job,
          state: "launching",
          launchAttempts: attempts[i].attempt,
          launchClientToken: clientToken,
          runnerName: attempts[i].runnerName,
          updatedAt: issuedAt,
        }]
        : []
    ).sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    await this.#call({
      clientToken,
      token: parseClientToken(clientToken)!,
      jobs: recorded,
      ...found,
    }, key);
  }

  /**
   * Launches recorded but never settled (a crash, or an unknown outcome),
   * among `launching` (this core's own): called again in the background, same token.
   */
  async resume(launching: readonly JobRow[]): Promise<void> {
    const { coreId, holds, launches } = this.options;
    const tokens = new Set(
      launching.map((job) => job.launchClientToken ?? "").filter((t) => t && !holds.calls.has(t)),
    );
    for (const clientToken of tokens) {
      const jobs = (await launches.jobsWithToken(clientToken)).filter((job) =>
        job.claimedBy === coreId
      );
      if (isStoppedToken(clientToken)) {
        // A job held here is being started right now (`start`): not one to resume.
        for (const job of jobs.filter((j) => j.state === "launching" && !holds.jobs.has(j.id))) {
          this.options.work.track(this.#resumeStopped(job));
        }
        continue;
      }
      const token = parseClientToken(clientToken);
      if (!token) {
        // Recorded by an older core in another format: queue its jobs again.
        await this.#requeue(jobs.filter((j) => j.state === "launching"), "launch token unreadable");
        continue;
      }
      const first = jobs.find((job) => job.state === "launching")!;
      const found = await this.#poolOf(first);
      if (!found) {
        await this.#fail(jobs, "pool no longer exists");
        continue;
      }
      this.options.work.track(
        this.#call({ clientToken, token, jobs, ...found }, batchKeyOfJob(first)),
      );
    }
  }

  /** Goes on with a job's start from a stopped instance (see stopped_start.ts). */
  async #resumeStopped(job: JobRow): Promise<void> {
    const { holds, log } = this.options;
    const token = job.launchClientToken!;
    holds.calls.add(token);
    holds.jobs.add(job.id);
    try {
      const found = await this.#poolOf(job);
      if (!found) await this.#fail([job], "pool no longer exists");
      else await resumeFromStopped(job, found, this.#stopped);
      holds.calls.delete(token);
      holds.jobs.delete(job.id);
    } catch (error) {
      log.warn("resuming a start from a stopped instance failed; retried later", {
        jobId: job.id,
        error,
      });
      this.#retryLater([job.id], token);
    }
  }

  /** Lets the next sweep take these jobs (and their token) again after the first retry delay. */
  #retryLater(jobIds: readonly string[], token?: string): void {
    if (jobIds.length === 0) return;
    const { holds, retry } = this.options;
    for (const id of jobIds) holds.jobs.add(id);
    if (token) holds.calls.add(token);
    this.options.work.later(retryDelayMs(1, retry, this.#random()), () => {
      for (const id of jobIds) holds.jobs.delete(id);
      if (token) holds.calls.delete(token);
      this.options.onRetryDue();
    });
  }

  async #call(batch: Batch, key: string): Promise<void> {
    const { holds, log, now, retry } = this.options;
    holds.calls.add(batch.clientToken);
    for (const job of batch.jobs) holds.jobs.add(job.id);
    let isSettled = false;
    try {
      const result = await launchBatch(batch, this.options);
      isSettled = true;
      this.options.metrics?.launched(batch.pool.name, result.started.length);
      for (const failure of result.failures) this.options.metrics?.failed(failure.code, 1);
      for (const id of result.started) this.#jobBackoff.forget(id);
      if (result.leftover.length > 0) {
        await this.#afterShortfall(key, batch, result.leftover, result.failures);
      } else this.#exclusions.forget(key);
    } catch (error) {
      this.options.metrics?.failed(codeOf(error), batch.jobs.length);
      if (error instanceof ThrottledError) {
        await this.options.store.recordWait(batch.jobs.map((j) => j.id), "ec2_throttle", now());
      }
      const tries = this.#clientTokenBackoff.triesOf(batch.clientToken);
      // The pool's template itself was refused (bad AMI, bad group): no retry fixes that.
      // An unclassified code gets a few replays first.
      const isPermanent = error instanceof PermanentError ||
        (error instanceof UnknownProviderError && tries > MAX_UNKNOWN_RETRIES);
      if (isPermanent) {
        isSettled = true;
        const reason = `launch failed: ${(error as Error).message}`;
        await this.#fail(batch.jobs, reason);
        log.warn("launch failed permanently", {
          clientToken: batch.clientToken,
          correlationIds: correlationIdsOf(batch.jobs.map((j) => j.id)),
          reason,
        });
        return;
      }
      // Unknown outcome: the same token is safe to send again, and the provider answers it once.
      const delay = retryDelayMs(tries, retry, this.#random());
      this.#clientTokenBackoff.record(batch.clientToken, tries);
      log.warn("launch call failed; replaying it later with the same client token", {
        clientToken: batch.clientToken,
        correlationIds: correlationIdsOf(batch.jobs.map((j) => j.id)),
        retryInMs: delay,
        error,
      });
      this.options.work.later(delay, () => {
        holds.calls.delete(batch.clientToken);
        this.options.onRetryDue();
      });
    } finally {
      if (isSettled) {
        holds.calls.delete(batch.clientToken);
        this.#clientTokenBackoff.forget(batch.clientToken);
      }
      for (const job of batch.jobs) if (isSettled) holds.jobs.delete(job.id);
    }
  }

  /**
   * Some jobs got no machine: fail them on a permanent error (or an unknown
   * one retried enough), else queue them to retry after a backoff elsewhere.
   */
  async #afterShortfall(
    key: string,
    batch: Batch,
    leftover: JobRow[],
    failures: LaunchFailure[],
  ): Promise<void> {
    const { log, now, retry } = this.options;
    const capacity = failures.filter((f) => f.kind === "capacity");
    if (capacity.length > 0) {
      await this.options.store.recordWait(leftover.map((j) => j.id), "capacity", now());
    }
    const plan = planShortfall(failures, {
      unknownRetries: this.#jobBackoff.unknownRetriesOf(leftover.map((job) => job.id)),
    });
    if (plan.action === "fail") {
      await this.#fail(leftover, plan.reason);
      for (const job of leftover) this.#jobBackoff.forget(job.id);
      log.warn("launch failed permanently", {
        clientToken: batch.clientToken,
        correlationIds: correlationIdsOf(leftover.map((j) => j.id)),
        reason: plan.reason,
      });
      return;
    }
    const all = this.#placementsOf(batch);
    let longest = 0;
    for (const job of leftover) {
      const delay = this.#jobBackoff.failed(job.id, {
        at: now(),
        isUnknown: plan.isUnknown,
        delayOf: (failuresSoFar) => retryDelayMs(failuresSoFar, retry, this.#random()),
      });
      longest = Math.max(longest, delay);
      this.options.work.later(delay, () => this.options.onRetryDue());
    }
    // Left out until a launch for this key succeeds, or a while: capacity comes back slowly.
    this.#exclusions.exclude(
      key,
      exclusionOf(all, capacity),
      now() + Math.max(2 * longest, EXCLUSION_MS),
    );
    await this.#requeue(leftover, plan.reason);
    log.info("jobs wait to retry their launch", {
      clientToken: batch.clientToken,
      correlationIds: correlationIdsOf(leftover.map((j) => j.id)),
      reason: plan.reason,
    });
  }

  async #requeue(jobs: JobRow[], reason: string): Promise<void> {
    await this.options.launches.transitionMany(
      jobs.map((job) => ({ id: job.id, from: "launching", to: "queued", reason })),
      this.options.now(),
    );
  }

  async #fail(jobs: JobRow[], reason: string): Promise<void> {
    await this.options.launches.transitionMany(
      jobs.filter((job) => job.state === "launching" || job.state === "claimed").map((job) => ({
        id: job.id,
        from: job.state as "launching" | "claimed",
        to: "failed",
        reason,
        patch: { failureReason: reason },
      })),
      this.options.now(),
    );
  }

  async #poolOf(job: JobRow): Promise<{ binding: Binding; pool: PoolRow } | null> {
    const { recentBinding, store } = this.options;
    const binding = await (recentBinding ?? ((repo) => store.bindingOf(repo)))(job.repoFullName);
    const pool = binding?.pools.find((p) => p.id === job.poolId);
    return binding && pool ? { binding, pool } : null;
  }

  #placementsOf({ binding, pool }: { binding: Binding; pool: PoolRow }): Placement[] {
    const { provider } = this.options;
    return provider.placementsOf(poolSpecOf(binding.project, pool, provider.capabilities));
  }

  #random(): number {
    return (this.options.random ?? Math.random)();
  }
}

/** A thrown launch error's code for the metrics: the provider's own, else Gantry's. */
function codeOf(error: unknown): string {
  if (error instanceof ProviderError) return error.providerCode;
  return error instanceof GantryError ? error.code : "error";
}
