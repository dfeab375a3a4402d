/**
 * Batch gathering: claimed jobs gather per batch key (pool, repo, pin,
 * forced on-demand) until the decision in `shared/launch/gathering.ts` says
 * they go to one launch call. A job that arrives while nothing else waits
 * (no backlog at the edge, nothing of its pool gathering) launches at once.
 * While the edge says more events wait, jobs gather for up to ten windows,
 * so a burst leased in parts launches in few calls; once the burst ends,
 * they launch after the sweep that admits its last part (the launcher says
 * when), or after a quiet window should that sweep not come.
 */
import { batchKeyOf } from "../../shared/launch/batch.ts";
import { isLoneArrival, launchAtOf } from "../../shared/launch/gathering.ts";
import { pinOf } from "../../shared/labels.ts";
import type { JobRow } from "../db/store.ts";
import { correlationIdsOf, type Logger } from "../log.ts";
import type { BackgroundWork, LaunchHolds } from "./background_work.ts";

/** Most machines per launch call unless configured. */
const DEFAULT_MAX_BATCH = 500;

interface Gathering {
  poolId: string;
  jobs: Map<string, JobRow>;
  /** When the first and the latest of `jobs` arrived. */
  firstAt: number;
  lastAt: number;
  /** The first of `jobs` came while nothing else waited: they launch at once. */
  isLone: boolean;
  /** The burst these jobs came in has ended and been admitted whole: they launch at once. */
  isBurstInHand: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** Launch calls of this key in flight. */
  callsInFlight: number;
}

export interface BatchGatheringOptions {
  /** In a burst, jobs of one batch key queued within this window of each other launch together. */
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
  /** When the edge last said a burst is over, until a sweep that started after it has run. */
  #burstEndedAt?: number;

  constructor(readonly options: BatchGatheringOptions) {}

  /** Adds a claimed job to its key's gathering (the job is this process's from now on). */
  gather(job: JobRow): void {
    const { now } = this.options;
    const key = batchKeyOfJob(job);
    this.options.holds.jobs.add(job.id);
    let gathering = this.#gatherings.get(key);
    if (!gathering) {
      gathering = {
        poolId: job.poolId ?? "",
        jobs: new Map(),
        firstAt: now(),
        lastAt: now(),
        isLone: false,
        isBurstInHand: false,
        callsInFlight: 0,
      };
      this.#gatherings.set(key, gathering);
    }
    if (gathering.jobs.size === 0) {
      gathering.firstAt = now();
      gathering.isLone = isLoneArrival({
        isMoreExpected: this.#isMoreExpected,
        gatheringInPool: this.#gatheringIn(gathering.poolId),
      });
      gathering.isBurstInHand = false;
    }
    gathering.lastAt = now();
    gathering.jobs.set(job.id, job);
    this.#arm(key);
  }

  /** Whether the edge was last said to hold more of a burst (see {@link expectMore}). */
  get isMoreExpected(): boolean {
    return this.#isMoreExpected;
  }

  /**
   * Whether the edge holds more events than are recorded: while it does,
   * gatherings wait for them (up to their cap), so a burst leased in parts
   * still launches in few calls. Returns true when this ends a burst: the
   * next sweep admits its last part, and {@link swept} then launches it.
   */
  expectMore(isMore: boolean): boolean {
    if (isMore === this.#isMoreExpected) return false;
    this.#isMoreExpected = isMore;
    this.#burstEndedAt = isMore ? undefined : this.options.now();
    for (const [key, gathering] of this.#gatherings) {
      if (isMore) {
        // Part of a burst now, not alone any more.
        gathering.isLone = false;
        gathering.isBurstInHand = false;
      } else {
        // The fallback, should no sweep come: a quiet window from now lets the last part join.
        gathering.lastAt = this.options.now();
      }
      this.#arm(key);
    }
    return !isMore;
  }

  /**
   * A sweep that started at `startedAt` has admitted every queued job it
   * could: if it started after the burst ended, the burst is in hand and
   * what gathered for it launches now.
   */
  swept(startedAt: number): void {
    const endedAt = this.#burstEndedAt;
    if (endedAt === undefined || this.#isMoreExpected || startedAt < endedAt) return;
    this.#burstEndedAt = undefined;
    for (const [key, gathering] of this.#gatherings) {
      if (gathering.jobs.size === 0) continue;
      gathering.isBurstInHand = true;
      this.#arm(key);
    }
  }

  /** Cancels every pending launch timer (the jobs stay claimed in the database). */
  stop(): void {
    for (const gathering of this.#gatherings.values()) clearTimeout(gathering.timer);
  }

  /**
   * Jobs of `poolId` waiting in a gathering for more to come: not those in a
   * launch call, nor those about to launch at once (claimed in the same sweep).
   */
  #gatheringIn(poolId: string): number {
    let waiting = 0;
    for (const gathering of this.#gatherings.values()) {
      if (gathering.poolId !== poolId || gathering.isLone || gathering.isBurstInHand) continue;
      waiting += gathering.jobs.size;
    }
    return waiting;
  }

  /**
   * Whether the gathering may go to a call now: a lone job does not wait for
   * its key's call in flight; jobs of a burst do (they join the next call).
   */
  #mayCall(gathering: Gathering): boolean {
    return gathering.jobs.size > 0 && (gathering.callsInFlight === 0 || gathering.isLone);
  }

  /** Sets when a gathering launches (see `launchAtOf`). */
  #arm(key: string): void {
    const { batchWindowMs, now } = this.options;
    const gathering = this.#gatherings.get(key);
    if (!gathering || !this.#mayCall(gathering)) return;
    clearTimeout(gathering.timer);
    const at = launchAtOf(gathering, {
      windowMs: batchWindowMs,
      isMoreExpected: this.#isMoreExpected,
    });
    // Even "at once" is a timer: the rest of the sweep that claimed this job joins it.
    gathering.timer = setTimeout(() => this.#flush(key), Math.max(0, at - now()));
  }

  #flush(key: string): void {
    const { holds, work } = this.options;
    const gathering = this.#gatherings.get(key);
    if (!gathering || !this.#mayCall(gathering) || work.isStopped) return;
    const jobs = [...gathering.jobs.values()].slice(0, this.options.maxBatch ?? DEFAULT_MAX_BATCH);
    for (const job of jobs) gathering.jobs.delete(job.id);
    gathering.callsInFlight++;
    // Past the batch limit: a lone gathering's rest goes to a call of its own at once.
    this.#arm(key);
    const run = this.options.launch(key, jobs).catch((error) => {
      this.options.log.warn("batch could not start; its jobs are retried", {
        correlationIds: correlationIdsOf(jobs.map((j) => j.id)),
        error,
      });
      for (const job of jobs) holds.jobs.delete(job.id);
    }).finally(() => {
      gathering.callsInFlight--;
      // Jobs of a burst that came during the call have waited for it: they launch now,
      // unless more of the burst is on its way (then they wait for it, up to their cap).
      if (this.#isMoreExpected) this.#arm(key);
      else this.#flush(key);
    });
    work.track(run);
  }
}
