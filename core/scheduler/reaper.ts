/**
 * The reaper: every few seconds, terminate what should not be running
 * (finished jobs, past max runtime, never started, idle, orphans), remove the
 * terminated runners from GitHub so it fails their jobs at once and keeps no
 * offline ghosts, notice spot reclaims whose notice never came, launch again
 * a job whose machine ended before its runner started, fail jobs stuck before
 * their runner started, and audit every termination with its reason.
 *
 * EC2 is eventually consistent, so nothing it fails to list is believed gone
 * at once (see absence.ts), a NotFound on terminate leaves the instance live
 * in the books to be tried again next pass, and an instance the books closed
 * that EC2 still lists running is terminated again.
 */
import { canTransition } from "../../shared/job_state.ts";
import type { GitHub } from "../github/github.ts";
import type { Logger } from "../log.ts";
import { ABSENCE_DEFAULTS, AbsenceBook, type AbsencePolicy } from "./absence.ts";
import type { MachineState, Provider } from "../providers/provider.ts";
import {
  isEnded,
  planOrphans,
  planStillRunning,
  planStuckJobs,
  planTerminations,
  type Termination,
} from "./reap_plan.ts";
import type { ReapableInstance, ReaperStore } from "../db/reap_queries.ts";
import { markInterrupted } from "./spot_interruption.ts";
import { runEvery } from "../sleep.ts";

export interface ReaperOptions {
  store: ReaperStore;
  provider: Provider;
  log: Logger;
  now: () => number;
  bootTimeoutSeconds: number;
  maxRuntimeMinutes: number;
  /** Jobs in claimed/launching longer than this fail (starting: boot timeout plus this). */
  stuckLaunchMinutes?: number;
  /** A runner whose job ran on another runner is reaped after this idle time. */
  idleTimeoutMinutes?: number;
  /** Removes the runners of terminated instances from GitHub. */
  github?: Pick<GitHub, "removeRunner">;
  /**
   * Misses of instances EC2 did not list, across passes. `runReaper` keeps
   * one; a lone `reapOnce` without it never believes an instance gone.
   */
  absences?: AbsenceBook;
  /** Overrides of when a missed instance counts as gone (tests). */
  absencePolicy?: Partial<Omit<AbsencePolicy, "now">>;
}

/** One pass; returns what it terminated. Safe to run concurrently with itself on two cores. */
export async function reapOnce(options: ReaperOptions): Promise<Termination[]> {
  const { store, provider, log, now } = options;
  const bootTimeoutMs = options.bootTimeoutSeconds * 1000;
  const policy = {
    now: now(),
    bootTimeoutMs,
    stuckLaunchMs: (options.stuckLaunchMinutes ?? 15) * 60_000,
    idleTimeoutMs: options.idleTimeoutMinutes === undefined
      ? undefined
      : options.idleTimeoutMinutes * 60_000,
    // A launch is recorded right after EC2 answers; a tagged instance unknown for
    // longer than that (or than a boot) is no launch in flight.
    orphanGraceMs: Math.min(5 * 60_000, bootTimeoutMs),
  };
  const managed = await provider.listManaged();
  const managedIds = managed.map((m) => m.id);
  const known = await store.knownInstanceIds(managedIds);
  const closedAt = await store.terminatedInBooks(managedIds);
  const live = await settleEnded(
    await store.reapableInstances(options.maxRuntimeMinutes),
    new Set(managedIds),
    options,
  );
  const terminations = [
    ...planTerminations(live, policy),
    ...planOrphans(managed, known, policy),
    ...planStillRunning(managed, closedAt, policy),
  ];
  const { notFound } = terminations.length > 0
    ? await provider.terminate(terminations.map((t) => t.instanceId))
    : { notFound: [] };
  if (notFound.length > 0) {
    // Not proof it is gone (a new id may not have propagated): it stays live in the books.
    log.warn("terminate answered NotFound; checking again next pass", { instanceIds: notFound });
  }
  const taken = terminations.filter((t) => !notFound.includes(t.instanceId));
  const liveById = new Map(live.map((instance) => [instance.id, instance]));
  for (const termination of taken) {
    const at = now();
    await store.markTerminated([termination.instanceId], termination.reason, at);
    await store.audit({
      at,
      actor: "reaper",
      action: "machine.terminate",
      target: termination.instanceId,
      payload: { reason: termination.reason, detail: termination.detail, jobId: termination.jobId },
    });
    log.info("reaped instance", { ...termination });
    const instance = liveById.get(termination.instanceId);
    if (instance) await removeRunner(instance, options);
    if (termination.jobId && termination.reason === "never-started") {
      // GitHub still holds the job queued: a fresh machine may boot where this one did not.
      await relaunch(termination.jobId, termination.instanceId, {
        isReclaimed: false,
        reason: termination.detail,
      }, options);
    }
    if (termination.jobId) {
      const job = await store.job(termination.jobId);
      if (job && canTransition(job.state, "reaped")) {
        await store.transitionJob(job.id, {
          from: job.state,
          to: "reaped",
          at,
          reason: termination.detail,
        }, { failureReason: `reaped: ${termination.detail}`, completedAt: at });
      }
    }
  }
  for (const stuck of planStuckJobs(await store.pendingJobs(), policy)) {
    const isFailed = await store.transitionJob(stuck.jobId, {
      from: stuck.from,
      to: "failed",
      at: now(),
      reason: stuck.detail,
    }, { failureReason: stuck.detail });
    if (isFailed) log.warn("job failed: stuck", { jobId: stuck.jobId, detail: stuck.detail });
  }
  return taken;
}

/**
 * Instances the database thinks alive but the provider does not list any
 * more: ask it what became of them. A spot reclaim marks the job on it
 * interrupted (so its failure is re-run on-demand); anything ended is
 * recorded as terminated.
 * Returns the instances still alive.
 */
async function settleEnded(
  live: ReapableInstance[],
  listed: ReadonlySet<string>,
  options: ReaperOptions,
): Promise<ReapableInstance[]> {
  const { store, provider, log, now } = options;
  const unlisted = live.filter((instance) => !listed.has(instance.id));
  const described = new Map(
    (await provider.describe(unlisted.map((i) => i.id))).map((machine) => [machine.id, machine]),
  );
  // Not listed is no proof of an end: only several misses over minutes are (absence.ts).
  const judgedGone = new Set((options.absences ?? new AbsenceBook()).observe(
    live.map((instance) => ({
      id: instance.id,
      launchedAt: instance.launchedAt,
      isMissing: described.get(instance.id)?.state === "gone",
    })),
    { ...ABSENCE_DEFAULTS, ...options.absencePolicy, now: now() },
  ));
  const ended = [...described.values()].filter((machine: MachineState) =>
    machine.state === "gone" ? judgedGone.has(machine.id) : isEnded(machine)
  );
  if (ended.length === 0) return live;
  for (const machine of ended) {
    const instance = unlisted.find((i) => i.id === machine.id)!;
    const at = now();
    // Only a provider with spot machines has them reclaimed (and its jobs re-run).
    const isReclaimed = provider.capabilities.spot && machine.isSpotReclaimed;
    const reason = isReclaimed
      ? "spot interruption"
      : `ended outside Gantry (${machine.state}${
        machine.stateReason ? `: ${machine.stateReason}` : ""
      })`;
    await store.markTerminated([machine.id], reason, at);
    await store.audit({
      at,
      actor: "reaper",
      action: isReclaimed ? "machine.interrupted" : "machine.gone",
      target: machine.id,
      payload: { reason, state: machine.state, stateReason: machine.stateReason },
    });
    log.info("instance ended outside Gantry", { instanceId: machine.id, reason });
    await removeRunner(instance, options);
    if (instance.jobId && instance.jobState === "starting") {
      // No runner took the job yet, so GitHub still holds it queued: launch it again.
      await relaunch(instance.jobId, machine.id, { isReclaimed, reason }, options);
    } else if (isReclaimed) {
      await markInterrupted(store, {
        instanceId: machine.id,
        fallbackJobId: instance.jobId,
        at,
        source: "EC2 state",
      });
    }
  }
  const endedIds = new Set(ended.map((machine) => machine.id));
  return live.filter((instance) => !endedIds.has(instance.id));
}

/** Machines a job may lose before its runner starts, and still be launched again. */
export const MAX_RELAUNCHES = 2;

/**
 * The job's machine ended (or was reaped unbooted) before its runner took it: queue it again (on-demand
 * after a spot reclaim), or fail it after MAX_RELAUNCHES, so a job GitHub still
 * holds queued never waits for a machine that is gone.
 */
async function relaunch(
  jobId: string,
  instanceId: string,
  ended: { isReclaimed: boolean; reason: string },
  options: ReaperOptions,
): Promise<void> {
  const { store, log, now } = options;
  const job = await store.job(jobId);
  if (!job || job.state !== "starting" || job.instanceId !== instanceId) return;
  const relaunches =
    (await store.transitionsOf(jobId)).filter((t) =>
      t.fromState === "starting" && t.toState === "queued"
    ).length;
  const at = now();
  if (relaunches >= MAX_RELAUNCHES) {
    const reason = `machine ${instanceId} lost before its runner started (${ended.reason}), ${
      relaunches + 1
    } times`;
    await store.transitionJob(jobId, { from: "starting", to: "failed", at, reason }, {
      failureReason: reason,
    });
    log.warn("job failed: its machines keep ending before the runner starts", { jobId, reason });
    return;
  }
  const isRequeued = await store.transitionJob(jobId, {
    from: "starting",
    to: "queued",
    at,
    reason:
      `machine ${instanceId} lost before its runner started (${ended.reason}); launching again`,
  }, {
    instanceId: null,
    isForcedOnDemand: job.isForcedOnDemand || ended.isReclaimed,
  });
  if (!isRequeued) return;
  await store.audit({
    at,
    actor: "reaper",
    action: "job.relaunch",
    target: jobId,
    payload: {
      instanceId,
      reason: ended.reason,
      onDemand: job.isForcedOnDemand || ended.isReclaimed,
    },
  });
  log.info("job launched again: its machine ended before the runner started", {
    jobId,
    instanceId,
    reason: ended.reason,
  });
}

/** Deletes the instance's runner from GitHub, if it registered one; audited either way. */
async function removeRunner(instance: ReapableInstance, options: ReaperOptions): Promise<void> {
  const { github, store, log, now } = options;
  if (!github || !instance.runnerName || !instance.repoFullName) return;
  let outcome: string;
  try {
    outcome = await github.removeRunner({
      repoFullName: instance.repoFullName,
      installationId: instance.installationId,
      runnerName: instance.runnerName,
      scope: instance.runnerScope,
    });
  } catch (error) {
    log.warn("could not remove a reaped runner from GitHub", {
      runner: instance.runnerName,
      error,
    });
    outcome = "error";
  }
  // Never registered (the boot failed before it): nothing to remove, nothing to say.
  if (outcome === "not_found") return;
  await store.audit({
    at: now(),
    actor: "reaper",
    action: "runner.delete",
    target: instance.runnerName,
    outcome: outcome === "removed" ? "ok" : "failed",
    payload: {
      instanceId: instance.id,
      repo: instance.repoFullName,
      scope: instance.runnerScope,
      outcome,
    },
  });
}

/** Runs `reapOnce` every `intervalMs` until `signal` aborts; a failed pass is logged and retried. */
export async function runReaper(
  options: ReaperOptions & { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  const passes = { ...options, absences: options.absences ?? new AbsenceBook() };
  await runEvery({ ...options, what: "reaper pass" }, () => reapOnce(passes));
}
