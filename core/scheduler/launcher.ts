/**
 * The launcher: turns queued jobs into machines. The database is its
 * to-do list — a `queued` event only records the job and pokes the launcher —
 * so a job over a concurrency cap simply stays queued, and a restarted core
 * finds every unfinished launch where the last one left it.
 *
 * A sweep resumes launches left unsettled, gathers claimed jobs nobody is
 * gathering, and admits queued ones. The work itself is three parts, each
 * with its own state: admission (./admission.ts: route, cap, claim), batch
 * gathering (./batch_gathering.ts: per batch key, until quiet) and launch
 * calls (./launch_calls.ts: record, call, replay, back off).
 */
import type { RetrySchedule } from "../../shared/launch/batch.ts";
import type { JobRow } from "../db/store.ts";
import { correlationIdsOf } from "../log.ts";
import { sleep } from "../sleep.ts";
import { Admission } from "./admission.ts";
import { BackgroundWork, LaunchHolds } from "./background_work.ts";
import { BatchGathering } from "./batch_gathering.ts";
import { LaunchCalls } from "./launch_calls.ts";
import { RecentBindings } from "./recent_bindings.ts";
import type { BatchDeps } from "./launch_batch.ts";
import type { LauncherStore, LaunchQueries } from "../db/launch_queries.ts";
import type { LaunchGateView } from "../control/launch_gate.ts";
import type { LaunchMetrics } from "../metrics/core_metrics.ts";

export interface LauncherOptions extends Omit<BatchDeps, "launches"> {
  store: LauncherStore;
  launches: LaunchQueries;
  /** This core (edge.core_id): its claims are its own to launch and resume. */
  coreId: string;
  /**
   * A job another core claimed and has not touched for this long is taken
   * over (that core died or lost libSQL). Longer than the longest launch
   * backoff, so a live core's pending replay is never raced. Default 10 min.
   */
  takeoverAfterMs?: number;
  /**
   * In a burst, jobs of one batch key queued within this window of each other
   * launch together (a lone job launches at once; see shared/launch/gathering.ts).
   */
  batchWindowMs: number;
  /** Most machines per launch call. */
  maxBatch?: number;
  /** Backoff after a launch met no capacity (or an unknown outcome). */
  retry: RetrySchedule;
  /** How often to look for work nobody poked about (freed slots, due retries). */
  sweepIntervalMs?: number;
  random?: () => number;
  /** Counts machines launched and jobs a launch failed, by code. */
  metrics?: LaunchMetrics;
  /** Says whether a pool may launch now (an operator's pause or drain); default: always. */
  gate?: LaunchGateView;
}

const DEFAULT_TAKEOVER_AFTER_MS = 600_000;

/**
 * In a burst, pokes within this long share one sweep (a lease's events are
 * recorded within a few ms); a lone job's poke sweeps at once.
 */
const SWEEP_COALESCE_MS = 5;

export class Launcher {
  readonly #launches: Pick<LaunchQueries, "jobsIn" | "releaseClaims" | "takeOver">;
  readonly #holds = new LaunchHolds();
  readonly #work = new BackgroundWork();
  readonly #calls: LaunchCalls;
  readonly #gathering: BatchGathering;
  readonly #admission: Admission;
  #sweeping?: Promise<void>;
  #isDirty = false;

  constructor(readonly options: LauncherOptions) {
    const { launches } = options;
    this.#launches = launches;
    const shared = { launches, holds: this.#holds, work: this.#work };
    const bindings = new RecentBindings(options.store, options.now);
    this.#calls = new LaunchCalls({
      ...options,
      ...shared,
      onRetryDue: () => this.poke(),
      recentBinding: (repo) => bindings.recent(repo),
    });
    this.#gathering = new BatchGathering({
      ...options,
      ...shared,
      // A provider that cannot launch many machines in one call gets one per call.
      maxBatch: options.provider.capabilities.fleetBatching ? options.maxBatch : 1,
      launch: (key, jobs) => this.#calls.start(key, jobs),
    });
    this.#admission = new Admission({
      ...options,
      ...shared,
      store: {
        bindingOf: (repo) => bindings.read(repo),
        recordWait: (ids, reason, at) => options.store.recordWait(ids, reason, at),
      },
      mayRetry: (jobId, at) => this.#calls.mayRetry(jobId, at),
      gather: (job) => this.#gathering.gather(job),
    });
  }

  /** Jobs backing off after a launch that gave them no machine (a metric). */
  retriesWaiting(): number {
    return this.#calls.retriesWaiting(this.options.now());
  }

  /** Something changed (a job queued, a slot freed): sweep soon. */
  poke(): void {
    if (this.#work.isStopped) return;
    if (this.#sweeping) {
      this.#isDirty = true;
      return;
    }
    // A burst pokes once per event: sweep a moment later, once for all of them.
    const delayMs = this.#gathering.isMoreExpected ? SWEEP_COALESCE_MS : 0;
    this.#sweeping = new Promise((resolve) => setTimeout(resolve, delayMs)).then(() =>
      this.#sweep()
    ).finally(() => {
      this.#sweeping = undefined;
      if (this.#isDirty) {
        this.#isDirty = false;
        this.poke();
      }
    });
  }

  /** Whether the edge holds more events than are recorded (see {@link BatchGathering.expectMore}). */
  expectMore(isMore: boolean): void {
    // A burst just ended: a sweep admits its last part, and then it launches.
    if (this.#gathering.expectMore(isMore)) this.poke();
  }

  /** Sweeps now and then until `signal` aborts, then lets launches in flight finish. */
  async run(signal: AbortSignal): Promise<void> {
    const interval = this.options.sweepIntervalMs ?? 1000;
    this.poke();
    while (!signal.aborted) {
      await sleep(interval, signal);
      if (!signal.aborted) this.poke();
    }
    await this.drain();
  }

  /** Stops taking work; finishes the launch calls in flight (their jobs stay recorded). */
  async drain(): Promise<void> {
    this.#work.stop();
    this.#gathering.stop();
    await this.#sweeping;
    await this.#work.settled();
    // What we claimed but never launched (or must replay) is for another core now, not in 10 min.
    const released = await this.#launches.releaseClaims(this.options.coreId, this.options.now())
      .catch((error) => {
        this.options.log.warn("could not release claims; others take them over later", { error });
        return 0;
      });
    if (released > 0) this.options.log.info("released claims at shutdown", { jobs: released });
  }

  /** Resolves when no sweep runs and no launch is in flight (for tests). */
  async settled(): Promise<void> {
    while (this.#sweeping || this.#work.isBusy) {
      await this.#sweeping;
      await this.#work.settled();
    }
  }

  async #sweep(): Promise<void> {
    const startedAt = this.options.now();
    try {
      // One read for the three lists: a lone job's sweep is on its launch's critical path.
      const jobs = await this.#launches.jobsIn(["launching", "claimed", "queued"]);
      const inState = (state: JobRow["state"]) => jobs.filter((job) => job.state === state);
      await this.#calls.resume(await this.#ownedOrTaken(inState("launching")));
      await this.#gatherClaimed(inState("claimed"));
      // Transitions are guarded (`from: queued`): a job that moved since this read is skipped.
      await this.#admission.admitQueued(inState("queued"));
      this.#gathering.swept(startedAt);
    } catch (error) {
      this.options.log.warn("launcher sweep failed; next sweep retries", { error });
    }
  }

  /** Claimed jobs nobody is gathering (after a restart): gather them. */
  async #gatherClaimed(rows: JobRow[]): Promise<void> {
    const claimed = await this.#ownedOrTaken(rows);
    for (const job of claimed) if (!this.#holds.jobs.has(job.id)) this.#gathering.gather(job);
  }

  /**
   * The jobs of `rows` this core may launch: its own claims, and claims
   * released or left untouched past the takeover time, once taken over.
   * Another live core's claims are never touched, so two cores never launch
   * (or replay) the same job.
   */
  async #ownedOrTaken(rows: JobRow[]): Promise<JobRow[]> {
    const { coreId, now } = this.options;
    const staleBefore = now() - (this.options.takeoverAfterMs ?? DEFAULT_TAKEOVER_AFTER_MS);
    // Unowned (released at shutdown, or claimed before owners were recorded) or gone quiet.
    const stale = rows.filter((job) =>
      job.claimedBy !== coreId && (job.claimedBy === null || job.updatedAt < staleBefore)
    );
    const at = now();
    const taken = await this.#launches.takeOver(stale, coreId, at);
    if (taken.size > 0) {
      this.options.log.info("took over launches another core left", {
        correlationIds: correlationIdsOf([...taken]),
        from: [...new Set(stale.filter((j) => taken.has(j.id)).map((j) => j.claimedBy))],
      });
    }
    return rows.flatMap((job) => {
      if (job.claimedBy === coreId) return [job];
      return taken.has(job.id) ? [{ ...job, claimedBy: coreId, updatedAt: at }] : [];
    });
  }
}
