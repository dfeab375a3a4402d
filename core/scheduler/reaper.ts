/**
 * The reaper: every few seconds, terminate what should not be running
 * (finished jobs, past max runtime, never started, orphans), fail jobs stuck
 * before launch, and audit every termination with its reason.
 */
import { canTransition } from "../../shared/job_state.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../log.ts";
import type { Provider } from "./provider.ts";
import { planOrphans, planStuckJobs, planTerminations, type Termination } from "./reap_plan.ts";

export interface ReaperOptions {
  store: Store;
  provider: Provider;
  log: Logger;
  now: () => number;
  bootTimeoutSeconds: number;
  maxRuntimeMinutes: number;
  /** Jobs in claimed/launching longer than this fail. */
  stuckLaunchMinutes?: number;
}

/** One pass; returns what it terminated. Safe to run concurrently with itself on two cores. */
export async function reapOnce(options: ReaperOptions): Promise<Termination[]> {
  const { store, provider, log, now } = options;
  const policy = {
    now: now(),
    bootTimeoutMs: options.bootTimeoutSeconds * 1000,
    stuckLaunchMs: (options.stuckLaunchMinutes ?? 15) * 60_000,
  };
  const live = await store.liveInstances(options.maxRuntimeMinutes);
  const managed = await provider.listManaged();
  const known = await store.knownInstanceIds(managed.map((m) => m.id));
  const terminations = [
    ...planTerminations(live, policy),
    ...planOrphans(managed, known, policy),
  ];
  if (terminations.length > 0) {
    await provider.terminate(terminations.map((t) => t.instanceId));
  }
  for (const termination of terminations) {
    const at = now();
    await store.markTerminated([termination.instanceId], termination.reason, at);
    await store.audit({
      at,
      actor: "reaper",
      action: "instance.terminate",
      target: termination.instanceId,
      payload: { reason: termination.reason, detail: termination.detail, jobId: termination.jobId },
    });
    log.info("reaped instance", { ...termination });
    if (termination.jobId) {
      const job = await store.job(termination.jobId);
      if (job && canTransition(job.state as never, "reaped")) {
        await store.transitionJob(job.id, {
          from: job.state as never,
          to: "reaped",
          at,
          reason: termination.detail,
        }, { failureReason: `reaped: ${termination.detail}`, completedAt: at });
      }
    }
  }
  for (const stuck of planStuckJobs(await store.launchingJobs(), policy)) {
    await store.transitionJob(stuck.jobId, {
      from: stuck.from,
      to: "failed",
      at: now(),
      reason: stuck.detail,
    }, { failureReason: stuck.detail });
    log.warn("job failed: stuck before launch", { jobId: stuck.jobId, detail: stuck.detail });
  }
  return terminations;
}

/** Runs `reapOnce` every `intervalMs` until `signal` aborts; a failed pass is logged and retried. */
export async function runReaper(
  options: ReaperOptions & { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      await reapOnce(options);
    } catch (error) {
      options.log.warn("reaper pass failed; will retry", { error });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      options.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
