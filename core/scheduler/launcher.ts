/**
 * The launcher: turns queued jobs into machines. The database is its
 * to-do list — a `queued` event only records the job and pokes the launcher —
 * so a job over a concurrency cap simply stays queued, and a restarted core
 * finds every unfinished launch where the last one left it.
 *
 * A sweep routes queued jobs, admits those under every cap (oldest first),
 * and claims them (each claim re-checks its caps in the same write); claimed
 * jobs gather per batch key (pool, repo, pin) until the key has been quiet for
 * the batch window (or waited 10 windows; while the edge says more events
 * wait, only the 10), then launch in one call whose client token is recorded
 * on every job first.
 * Machines that EC2 had no room for leave their jobs queued again, to retry
 * after a backoff away from the placements that failed; a permanent error
 * fails the jobs with EC2's text; an unknown outcome (throttled past the
 * SDK's retries, network) replays the same call later.
 */
import {
  batchKeyOf,
  clientTokenOf,
  exclusionOf,
  parseClientToken,
  placementsOf,
  retryDelayMs,
  type RetrySchedule,
} from "../../shared/launch/batch.ts";
import { type CapCandidate, planAdmissions } from "../../shared/launch/caps.ts";
import { pinOf } from "../../shared/labels.ts";
import { routeJob } from "../../shared/routing.ts";
import type { Binding, JobRow, PoolRow } from "../db/store.ts";
import { type Batch, type BatchDeps, launchBatch, runnerNameOf } from "./launch_batch.ts";
import { capGuardOf, type JobStep, LaunchStore } from "./launch_store.ts";
import { routableOf } from "./pool_spec.ts";
import type { Store } from "../db/store.ts";
import { type LaunchFailure, PermanentError, UnknownProviderError } from "../providers/provider.ts";
import { MAX_UNKNOWN_RETRIES, planShortfall } from "../../shared/launch/shortfall.ts";
import { sleep } from "../sleep.ts";
import { correlationIdsOf } from "../log.ts";

export interface LauncherOptions extends Omit<BatchDeps, "launches"> {
  store: Store;
  /** This core (edge.core_id): its claims are its own to launch and resume. */
  coreId: string;
  /**
   * A job another core claimed and has not touched for this long is taken
   * over (that core died or lost libSQL). Longer than the longest launch
   * backoff, so a live core's pending replay is never raced. Default 10 min.
   */
  takeoverAfterMs?: number;
  /** Jobs of one batch key queued within this window of each other launch together. */
  batchWindowMs: number;
  /** Most machines per launch call. */
  maxBatch?: number;
  /** Backoff after a launch met no capacity (or an unknown outcome). */
  retry: RetrySchedule;
  /** How often to look for work nobody poked about (freed slots, due retries). */
  sweepIntervalMs?: number;
  random?: () => number;
}

const DEFAULT_TAKEOVER_AFTER_MS = 600_000;

/** Pokes within this long share one sweep. */
const SWEEP_COALESCE_MS = 20;

/** A gathering launches after at most this many windows, however busy its key. */
const MAX_GATHER_WINDOWS = 10;

/** Shortest time a placement that had no capacity is left out of a key's launches. */
const EXCLUSION_MS = 60_000;

interface Gathering {
  jobs: Map<string, JobRow>;
  /** When the first and the latest of `jobs` arrived. */
  firstAt: number;
  lastAt: number;
  timer?: ReturnType<typeof setTimeout>;
  isLaunching: boolean;
}

export class Launcher {
  readonly launches: LaunchStore;
  #gatherings = new Map<string, Gathering>();
  /** Jobs this process is handling (gathering or in a call), so sweeps leave them be. */
  #owned = new Set<string>();
  /** Launch calls in flight or waiting to be replayed, by client token. */
  #calls = new Set<string>();
  #inFlight = new Set<Promise<void>>();
  /** Per job: launches that met no capacity, and when it may try again. */
  #backoff = new Map<string, { failures: number; until: number; unknown?: number }>();
  /** Per batch key: placements to leave out, until when. */
  #excluded = new Map<string, { mask: bigint; until: number }>();
  #sweeping?: Promise<void>;
  #isDirty = false;
  #isStopped = false;
  /** The edge said more events wait (a burst being leased): gather to the cap. */
  #isMoreExpected = false;
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(readonly options: LauncherOptions) {
    this.launches = new LaunchStore(options.store);
  }

  /** Something changed (a job queued, a slot freed): sweep soon. */
  poke(): void {
    if (this.#isStopped) return;
    if (this.#sweeping) {
      this.#isDirty = true;
      return;
    }
    // A burst pokes once per event: sweep a moment later, once for all of them.
    this.#sweeping = new Promise((resolve) => setTimeout(resolve, SWEEP_COALESCE_MS)).then(() =>
      this.#sweep()
    ).finally(() => {
      this.#sweeping = undefined;
      if (this.#isDirty) {
        this.#isDirty = false;
        this.poke();
      }
    });
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
    this.#isStopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const gathering of this.#gatherings.values()) clearTimeout(gathering.timer);
    await this.#sweeping;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    // What we claimed but never launched (or must replay) is for another core now, not in 10 min.
    const released = await this.launches.releaseClaims(this.options.coreId, this.options.now())
      .catch((error) => {
        this.options.log.warn("could not release claims; others take them over later", { error });
        return 0;
      });
    if (released > 0) this.options.log.info("released claims at shutdown", { jobs: released });
  }

  /** Resolves when no sweep runs and no launch is in flight (for tests). */
  async settled(): Promise<void> {
    while (this.#sweeping || this.#inFlight.size > 0) {
      await this.#sweeping;
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  async #sweep(): Promise<void> {
    const { log } = this.options;
    try {
      await this.#resumeLaunches();
      await this.#gatherClaimed();
      await this.#admitQueued();
    } catch (error) {
      log.warn("launcher sweep failed; next sweep retries", { error });
    }
  }

  /** Launches recorded but never settled (a crash, or an unknown outcome): call again, same token. */
  async #resumeLaunches(): Promise<void> {
    const launching = await this.#ownedOrTaken(await this.launches.jobsIn(["launching"]));
    const tokens = new Set(
      launching.map((job) => job.launchClientToken ?? "").filter((t) => t && !this.#calls.has(t)),
    );
    for (const clientToken of tokens) {
      const jobs = (await this.launches.jobsWithToken(clientToken)).filter((job) =>
        job.claimedBy === this.options.coreId
      );
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
      this.#call({ clientToken, token, jobs, ...found }, batchKeyOfJob(first));
    }
  }

  /** Claimed jobs nobody is gathering (after a restart): gather them. */
  async #gatherClaimed(): Promise<void> {
    const claimed = await this.#ownedOrTaken(await this.launches.jobsIn(["claimed"]));
    for (const job of claimed) if (!this.#owned.has(job.id)) this.#gather(job);
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
    const taken = await this.launches.takeOver(stale, coreId, at);
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

  async #admitQueued(): Promise<void> {
    const { now } = this.options;
    const queued = (await this.launches.jobsIn(["queued"])).filter((job) =>
      !this.#owned.has(job.id) && (this.#backoff.get(job.id)?.until ?? 0) <= now()
    );
    if (queued.length === 0) return;
    const bindings = new Map<string, Binding | null>();
    const routed: { job: JobRow; binding: Binding; pool: PoolRow }[] = [];
    const drops: JobStep[] = [];
    for (const job of queued) {
      if (!bindings.has(job.repoFullName)) {
        bindings.set(job.repoFullName, await this.options.store.bindingOf(job.repoFullName));
      }
      const binding = bindings.get(job.repoFullName)!;
      const drop = (reason: string) =>
        drops.push({
          id: job.id,
          from: "queued",
          to: "dropped",
          reason,
          patch: { failureReason: reason },
        });
      if (!binding) {
        drop(`repo ${job.repoFullName} is not bound to a project`);
        continue;
      }
      if (binding.project.isDisabled) {
        drop(`project "${binding.project.name}" is disabled`);
        continue;
      }
      const decision = routeJob(
        { repoFullName: job.repoFullName, labels: job.labels },
        binding.pools.map((pool) => routableOf(binding.project, pool)),
      );
      if (decision.kind === "dropped") {
        drop(decision.reason);
        continue;
      }
      routed.push({ job, binding, pool: binding.pools.find((p) => p.id === decision.pool.id)! });
    }
    if (drops.length > 0) {
      const at = now();
      const dropped = await this.launches.transitionMany(drops, at);
      // No pool's runner could take these: GitHub would hold them queued for a day.
      await this.launches.auditDrops(drops.filter((d) => dropped.has(d.id)), at);
      this.options.log.info("jobs dropped", {
        correlationIds: correlationIdsOf(drops.map((d) => d.id)),
        reasons: [...new Set(drops.map((d) => d.reason))],
      });
    }
    if (routed.length === 0) return;

    const capsAndCounts = await this.#capsAndCounts(routed.map((r) => r.binding));
    const admission = planAdmissions(
      routed.map(({ job, binding, pool }): CapCandidate => ({
        id: job.id,
        projectId: binding.project.id,
        repo: job.repoFullName,
        poolId: pool.id,
      })),
      capsAndCounts,
    );
    const admitted = new Set(admission.admitted);
    const claims = routed.filter(({ job }) => admitted.has(job.id));
    const at = now();
    const moved = await this.launches.transitionMany(
      claims.map(({ job, binding, pool }) => ({
        id: job.id,
        from: "queued",
        to: "claimed",
        reason: `routed to pool ${pool.name}`,
        patch: {
          projectId: binding.project.id,
          poolId: pool.id,
          claimedAt: at,
          claimedBy: this.options.coreId,
        },
        // The plan counted slots a moment ago; another core may have claimed since.
        guard: capGuardOf({
          projectId: binding.project.id,
          repo: job.repoFullName,
          poolId: pool.id,
          projectCap: binding.project.cap,
          repoCap: capsAndCounts.caps.repo.get(job.repoFullName),
          poolCap: pool.cap,
        }),
      })),
      at,
    );
    for (const { job, binding, pool } of claims) {
      if (!moved.has(job.id)) continue;
      this.#gather({
        ...job,
        state: "claimed",
        projectId: binding.project.id,
        poolId: pool.id,
        claimedBy: this.options.coreId,
      });
    }
    if (admission.waiting.length > 0) {
      this.options.log.debug("jobs wait for a slot", { waiting: admission.waiting.length });
    }
  }

  async #capsAndCounts(bindings: Binding[]) {
    const repoCaps = await this.launches.repoCaps();
    const caps = {
      project: new Map<string, number>(),
      repo: repoCaps,
      pool: new Map<string, number>(),
    };
    for (const binding of bindings) {
      caps.project.set(binding.project.id, binding.project.cap);
      for (const pool of binding.pools) caps.pool.set(pool.id, pool.cap);
    }
    const active = {
      project: new Map<string, number>(),
      repo: new Map<string, number>(),
      pool: new Map<string, number>(),
    };
    const add = (map: Map<string, number>, key: string, n: number) =>
      map.set(key, (map.get(key) ?? 0) + n);
    for (const row of await this.launches.slotCounts()) {
      if (!repoCaps.has(row.repo)) add(active.project, row.projectId, row.n);
      add(active.repo, row.repo, row.n);
      add(active.pool, row.poolId, row.n);
    }
    return { caps, active };
  }

  #gather(job: JobRow): void {
    const { now } = this.options;
    const key = batchKeyOfJob(job);
    this.#owned.add(job.id);
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
   * Sets when a gathering launches: quiet for a window (unless the edge holds
   * more), or gathered for ten windows (a steady stream still launches).
   * One in a launch call waits for it to end.
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
    const gathering = this.#gatherings.get(key);
    if (!gathering || gathering.isLaunching || gathering.jobs.size === 0 || this.#isStopped) return;
    const jobs = [...gathering.jobs.values()].slice(0, this.options.maxBatch ?? 500);
    for (const job of jobs) gathering.jobs.delete(job.id);
    gathering.isLaunching = true;
    const run = this.#startBatch(key, jobs).catch((error) => {
      this.options.log.warn("batch could not start; its jobs are retried", {
        correlationIds: correlationIdsOf(jobs.map((j) => j.id)),
        error,
      });
      for (const job of jobs) this.#owned.delete(job.id);
    }).finally(() => {
      gathering.isLaunching = false;
      // Jobs that came during the call have waited for it: they launch now, unless
      // more of a burst is on its way (then they wait for it, up to their cap).
      if (this.#isMoreExpected) this.#arm(key);
      else this.#flush(key);
    });
    this.#track(run);
  }

  /** Records the attempt and token on every job, then calls. */
  async #startBatch(key: string, jobs: JobRow[]): Promise<void> {
    const { now } = this.options;
    const found = await this.#poolOf(jobs[0]);
    if (!found) {
      await this.#fail(jobs.map((j) => ({ ...j, state: "claimed" })), "pool no longer exists");
      return;
    }
    const all = placementsOf(found.pool.instanceTypes, found.pool.subnets);
    const exclusion = this.#excluded.get(key);
    const excluded =
      exclusion && exclusion.until > now() && exclusion.mask < 1n << BigInt(all.length)
        ? exclusion.mask
        : 0n;
    const issuedAt = now();
    const attempts = jobs.map((job) => ({ id: job.id, attempt: job.launchAttempts + 1 }));
    const clientToken = clientTokenOf(attempts, { issuedAt, excluded });
    // Ours from now on: a sweep must not take the recorded jobs for a launch to resume.
    this.#calls.add(clientToken);
    // Before the call: a crash after it replays this very token, and EC2 launches nothing new.
    let moved: Set<string>;
    try {
      moved = await this.launches.transitionMany(
        attempts.map(({ id, attempt }) => ({
          id,
          from: "claimed",
          to: "launching",
          reason: `launch attempt ${attempt} (${jobs.length} in batch ${clientToken})`,
          patch: {
            launchAttempts: attempt,
            launchClientToken: clientToken,
            runnerName: runnerNameOf(id, attempt),
          },
        })),
        issuedAt,
      );
    } catch (error) {
      // Unknown whether they moved: the next sweep resumes whatever the database says.
      this.#calls.delete(clientToken);
      throw error;
    }
    for (const job of jobs) if (!moved.has(job.id)) this.#owned.delete(job.id);
    if (moved.size === 0) {
      this.#calls.delete(clientToken);
      return;
    }
    const recorded = await this.launches.jobsWithToken(clientToken).catch((error) => {
      this.#calls.delete(clientToken);
      throw error;
    });
    await this.#callNow({
      clientToken,
      token: parseClientToken(clientToken)!,
      jobs: recorded,
      ...found,
    }, key);
  }

  /** Calls in the background (replays found by a sweep). */
  #call(batch: Batch, key: string): void {
    this.#track(this.#callNow(batch, key));
  }

  async #callNow(batch: Batch, key: string): Promise<void> {
    const { log, now, retry } = this.options;
    this.#calls.add(batch.clientToken);
    for (const job of batch.jobs) this.#owned.add(job.id);
    let isSettled = false;
    try {
      const result = await launchBatch(batch, { ...this.options, launches: this.launches });
      isSettled = true;
      for (const id of result.started) this.#backoff.delete(id);
      if (result.leftover.length > 0) {
        await this.#afterShortfall(key, batch, result.leftover, result.failures);
      } else this.#excluded.delete(key);
    } catch (error) {
      const tries = (this.#backoff.get(batch.clientToken)?.failures ?? 0) + 1;
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
      // Unknown outcome: the same token is safe to send again, and EC2 answers it once.
      const delay = retryDelayMs(tries, retry, this.#random());
      this.#backoff.set(batch.clientToken, { failures: tries, until: now() + delay });
      log.warn("launch call failed; replaying it later with the same client token", {
        clientToken: batch.clientToken,
        correlationIds: correlationIdsOf(batch.jobs.map((j) => j.id)),
        retryInMs: delay,
        error,
      });
      this.#later(delay, () => {
        this.#calls.delete(batch.clientToken);
        this.poke();
      });
    } finally {
      if (isSettled) {
        this.#calls.delete(batch.clientToken);
        this.#backoff.delete(batch.clientToken);
      }
      for (const job of batch.jobs) if (isSettled) this.#owned.delete(job.id);
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
    const plan = planShortfall(failures, {
      unknownRetries: Math.max(
        0,
        ...leftover.map((job) => this.#backoff.get(job.id)?.unknown ?? 0),
      ),
    });
    if (plan.action === "fail") {
      await this.#fail(leftover, plan.reason);
      for (const job of leftover) this.#backoff.delete(job.id);
      log.warn("launch failed permanently", {
        clientToken: batch.clientToken,
        correlationIds: correlationIdsOf(leftover.map((j) => j.id)),
        reason: plan.reason,
      });
      return;
    }
    const all = placementsOf(batch.pool.instanceTypes, batch.pool.subnets);
    let longest = 0;
    for (const job of leftover) {
      const before = this.#backoff.get(job.id);
      const failuresSoFar = (before?.failures ?? 0) + 1;
      const delay = retryDelayMs(failuresSoFar, retry, this.#random());
      longest = Math.max(longest, delay);
      const unknown = (before?.unknown ?? 0) + (plan.isUnknown ? 1 : 0);
      this.#backoff.set(job.id, { failures: failuresSoFar, until: now() + delay, unknown });
      this.#later(delay, () => this.poke());
    }
    // Left out until a launch for this key succeeds, or a while: capacity comes back slowly.
    this.#excluded.set(key, {
      mask: exclusionOf(all, capacity),
      until: now() + Math.max(2 * longest, EXCLUSION_MS),
    });
    await this.#requeue(leftover, plan.reason);
    log.info("jobs wait to retry their launch", {
      clientToken: batch.clientToken,
      correlationIds: correlationIdsOf(leftover.map((j) => j.id)),
      reason: plan.reason,
    });
  }

  async #requeue(jobs: JobRow[], reason: string): Promise<void> {
    await this.launches.transitionMany(
      jobs.map((job) => ({ id: job.id, from: "launching", to: "queued", reason })),
      this.options.now(),
    );
  }

  async #fail(jobs: JobRow[], reason: string): Promise<void> {
    await this.launches.transitionMany(
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
    const binding = await this.options.store.bindingOf(job.repoFullName);
    const pool = binding?.pools.find((p) => p.id === job.poolId);
    return binding && pool ? { binding, pool } : null;
  }

  #track(run: Promise<void>): void {
    this.#inFlight.add(run);
    run.finally(() => this.#inFlight.delete(run));
  }

  #later(ms: number, then: () => void): void {
    if (this.#isStopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      then();
    }, ms);
    this.#timers.add(timer);
  }

  #random(): number {
    return (this.options.random ?? Math.random)();
  }
}

function batchKeyOfJob(job: JobRow): string {
  return batchKeyOf({
    poolId: job.poolId ?? "",
    repo: job.repoFullName,
    pin: pinOf(job.labels),
    isForcedOnDemand: job.isForcedOnDemand,
  });
}
