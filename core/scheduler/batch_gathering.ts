/**
 * Batch gathering: claimed jobs gather per batch key (pool, repo, pin,
 * forced on-demand) until the key has been quiet for the batch window, or
 * has gathered for ten windows (a steady stream still launches), then go to
 * one launch call. While the edge says more events wait, only the ten
 * windows count, so a burst leased in parts launches in few calls.
 */
import { batchKeyOf } from "../../shared/launch/batch.ts";
import { pinOf } from "../../shared/labels.ts";
import type { JobRow } from "../db/store.ts";
import { correlationIdsOf, type Logger } from "../log.ts";
import type { BackgroundWork, LaunchHolds } from "./background_work.ts";

/** A gathering launches after at most this many windows, however busy its key. */
const MAX_GATHER_WINDOWS = 10;

/** Most machines per launch call unless configured. */
const DEFAULT_MAX_BATCH = 500;

interface Gathering {
  jobs: Map<string, JobRow>;
  /** When the first and the latest of `jobs` arrived. */
  firstAt: number;
  lastAt: number;
  timer?: ReturnType<typeof setTimeout>;
  isLaunching: boolean;
}

export interface BatchGatheringOptions {
  /** Jobs of one batch key queued within this window of each other launch together. */
  batchWindowMs: number;
  /** Most machines per launch call. */
  maxBatch?: number;
  now: () => number;
  log: Logger;
  holds: LaunchHolds;
  work: BackgroundWork;
  /** Records and makes the launch call for a gathered batch. */
  launch: (key: string, jobs: JobRow[]) => Promise<void>;
}

/** The batch key a job gathers under. */
export function batchKeyOfJob(job: JobRow): string {
  return batchKeyOf({
    poolId: job.poolId ?? "",
    repo: job.repoFullName,
    pin: pinOf(job.labels),
    isForcedOnDemand: job.isForcedOnDemand,
  });
}

export class BatchGathering {
  readonly #gatherings = new Map<string, Gathering>();
  /** The edge said more events wait (a burst being leased): gather to the cap. */
  #isMoreExpected = false;

  constructor(readonly options: BatchGatheringOptions) {}

  /** Adds a claimed job to its key's gathering (the job is this process's from now on). */
  gather(job: JobRow): void {
    const { now } = this.options;
    const key = batchKeyOfJob(job);
    this.options.holds.jobs.add(job.id);
    let gathering = this.#gatherings.get(key);
    if (!gathering) {
      gathering = { jobs: new Map(), firstAt: now(), lastAt: now(), isLaunching: false };
      this.#gatherings.set(key, gathering);
    }
    if (gathering.jobs.size === 0) gathering.firstAt = now();
    gathering.lastAt = now();
    gathering.jobs.set(job.id, job);
    this.#arm(key);
  }

  /**
   * Whether the edge holds more events than the lease in hand: while it does,
   * gatherings wait for them (up to their cap) instead of launching on a
   * quiet window, so a burst leased in parts still launches in few calls.
   */
  expectMore(isMore: boolean): void {
    if (isMore === this.#isMoreExpected) return;
    this.#isMoreExpected = isMore;
    for (const [key, gathering] of this.#gatherings) {
      // The last part is still being recorded: a quiet window from now lets it join.
      if (!isMore) gathering.lastAt = this.options.now();
      this.#arm(key);
    }
  }

  /** Cancels every pending launch timer (the jobs stay claimed in the database). */
  stop(): void {
    for (const gathering of this.#gatherings.values()) clearTimeout(gathering.timer);
  }

  /**
   * Sets when a gathering launches: quiet for a window (unless the edge holds
   * more), or gathered for ten windows. One in a launch call waits for it to end.
   */
  #arm(key: string): void {
    const { batchWindowMs, now } = this.options;
    const gathering = this.#gatherings.get(key);
    if (!gathering || gathering.isLaunching || gathering.jobs.size === 0) return;
    clearTimeout(gathering.timer);
    const cap = gathering.firstAt + MAX_GATHER_WINDOWS * batchWindowMs;
    const due = this.#isMoreExpected ? cap : Math.min(gathering.lastAt + batchWindowMs, cap);
    gathering.timer = setTimeout(() => this.#flush(key), Math.max(0, due - now()));
  }

  #flush(key: string): void {
    const { holds, work } = this.options;
    const gathering = this.#gatherings.get(key);
    if (!gathering || gathering.isLaunching || gathering.jobs.size === 0 || work.isStopped) return;
    const jobs = [...gathering.jobs.values()].slice(0, this.options.maxBatch ?? DEFAULT_MAX_BATCH);
    for (const job of jobs) gathering.jobs.delete(job.id);
    gathering.isLaunching = true;
    const run = this.options.launch(key, jobs).catch((error) => {
      this.options.log.warn("batch could not start; its jobs are retried", {
        correlationIds: correlationIdsOf(jobs.map((j) => j.id)),
        error,
      });
      for (const job of jobs) holds.jobs.delete(job.id);
    }).finally(() => {
      gathering.isLaunching = false;
      // Jobs that came during the call have waited for it: they launch now, unless
      // more of a burst is on its way (then they wait for it, up to their cap).
      if (this.#isMoreExpected) this.#arm(key);
      else this.#flush(key);
    });
    work.track(run);
  }
}
