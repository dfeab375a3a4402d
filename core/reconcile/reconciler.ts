/**
 * The missed-webhook loop. GitHub does not redeliver a failed webhook by
 * itself, and a webhook can be lost before it fails visibly; so every few
 * minutes the core:
 *
 * 1. asks GitHub to redeliver the App's failed `workflow_job` deliveries;
 * 2. lists the queued jobs of every bound repo, and of every repo of an
 *    org-scoped project's org that the App can see, and enqueues those it
 *    has never seen, through the same path a delivered `queued` webhook takes;
 * 3. asks GitHub about jobs it still thinks are starting or running, and
 *    closes those GitHub has finished (instance terminated, cost recorded);
 * 4. re-runs interrupted spot jobs whose re-run did not happen at completion
 *    (only where the provider has spot machines).
 *
 * Steps 2–4 spend the installation's rate limit, so they are skipped while
 * little of it is left; step 2 also stops mid-way when the limit runs low, and
 * the next pass carries on from the repo it stopped at. Every action is audited.
 */
import type { WorkflowJobMessage } from "../../shared/schema/edge_core.ts";
import type { ReconcilerStore } from "../db/reconcile_queries.ts";
import type { GitHub } from "../github/github.ts";
import type { Logger } from "../log.ts";
import type { ProviderCapabilities } from "../providers/provider.ts";
import { retryInterrupted, type SpotRetryDeps } from "../scheduler/spot_interruption.ts";
import {
  deliveriesToRedeliver,
  jobsToCheck,
  nextDeliveryCursor,
  reposToSweep,
  rotated,
  unseenJobs,
} from "./reconcile_plan.ts";
import { runEvery } from "../sleep.ts";

export interface ReconcilerOptions {
  store: ReconcilerStore;
  github: GitHub;
  log: Logger;
  now: () => number;
  /** Hands an event to the scheduler (`JobEvents.handle`). */
  enqueue: (message: WorkflowJobMessage) => Promise<void>;
  /** How far back the first pass reads the delivery log. */
  lookbackMs: number;
  /** Jobs younger (queued) or quieter (open) than this are left to their webhooks. */
  minAgeMs: number;
  /** Most open jobs looked up on GitHub per pass. */
  maxJobChecks: number;
  /** Skip the listings while fewer API calls than this remain. */
  minRateRemaining: number;
  /** Spot re-runs allowed per job line. */
  spotRetries: number;
  /** The provider's: step 4 runs only where machines can be spot. */
  capabilities: Pick<ProviderCapabilities, "spot">;
}

/** What one pass did. */
export interface ReconcileReport {
  redelivered: number[];
  adopted: string[];
  closed: string[];
  retried: string[];
  /** Why the job listings were skipped, if they were. */
  skipped?: string;
}

/** Keeps the delivery-log cursor between passes. */
export class Reconciler {
  #since: number | null = null;
  /** Where the next sweep of queued jobs starts, when the last one was cut short. */
  #sweepFrom = 0;

  constructor(readonly options: ReconcilerOptions) {}

  async reconcileOnce(): Promise<ReconcileReport> {
    const { log, now } = this.options;
    const startedAt = now();
    const report: ReconcileReport = { redelivered: [], adopted: [], closed: [], retried: [] };
    report.redelivered = await this.#redeliverFailed(
      this.#since ?? startedAt - this.options.lookbackMs,
    );
    this.#since = nextDeliveryCursor(startedAt);
    const remaining = this.options.github.rateRemaining();
    if (remaining !== null && remaining < this.options.minRateRemaining) {
      report.skipped = `${remaining} GitHub API calls left, below ${this.options.minRateRemaining}`;
      log.warn("reconcile: job listings skipped to spare the rate limit", { remaining });
      return report;
    }
    const sweep = await this.#adoptUnseen();
    report.adopted = sweep.adopted;
    if (sweep.skipped) {
      // The rest of the pass would spend more of what is left: leave it to the next pass.
      report.skipped = sweep.skipped;
      return report;
    }
    report.closed = await this.#closeFinished();
    report.retried = await this.#retryInterrupted();
    const did = report.redelivered.length + report.adopted.length + report.closed.length +
      report.retried.length;
    if (did > 0) log.info("reconciled", { ...report });
    return report;
  }

  async #redeliverFailed(since: number): Promise<number[]> {
    const { github, store, log, now } = this.options;
    const picks = deliveriesToRedeliver(await github.deliveriesSince(since));
    for (const delivery of picks) {
      await github.redeliver(delivery.id);
      await store.audit({
        at: now(),
        actor: "reconciler",
        action: "webhook.redeliver",
        target: String(delivery.id),
        payload: {
          guid: delivery.guid,
          event: delivery.event,
          action: delivery.action,
          statusCode: delivery.statusCode,
        },
      });
      log.info("asked GitHub to redeliver a failed webhook", {
        deliveryId: delivery.id,
        action: delivery.action,
        statusCode: delivery.statusCode,
      });
    }
    return picks.map((delivery) => delivery.id);
  }

  /** The repos to sweep: bound ones, and the unbound repos of org-scoped projects' orgs. */
  async #reposToSweep(): Promise<string[]> {
    const { github, store, log } = this.options;
    const bound = await store.boundRepos();
    const orgs = await store.scopedOrgs();
    const orgRepos: string[] = [];
    for (const org of orgs) {
      try {
        const seen = await github.reposOfOrg(org);
        orgRepos.push(
          ...seen.filter((name) => name.split("/")[0].toLowerCase() === org.toLowerCase()),
        );
      } catch (error) {
        // An org the App is not installed on must not stop the others.
        log.warn("reconcile: could not list the repositories of an org", { org, error });
      }
    }
    return reposToSweep(bound, orgRepos);
  }

  async #adoptUnseen(): Promise<{ adopted: string[]; skipped?: string }> {
    const { store, github, log, now } = this.options;
    const sweep = await this.#reposToSweep();
    const order = rotated(sweep, this.#sweepFrom);
    this.#sweepFrom = 0;
    const adopted: string[] = [];
    for (const [i, fullName] of order.entries()) {
      const remaining = github.rateRemaining();
      if (remaining !== null && remaining < this.options.minRateRemaining) {
        // Carry on from this repo next pass, so a large org's later repos get their turn.
        this.#sweepFrom = sweep.indexOf(fullName);
        const skipped =
          `${remaining} GitHub API calls left, below ${this.options.minRateRemaining}: ` +
          `${order.length - i} of ${order.length} repos left for the next pass`;
        log.warn("reconcile: queued-job sweep cut short to spare the rate limit", {
          remaining,
          left: order.length - i,
        });
        return { adopted, skipped };
      }
      let queued;
      try {
        queued = await github.queuedJobs({ repoFullName: fullName, installationId: null });
      } catch (error) {
        // One repo the App cannot see must not stop the others.
        log.warn("reconcile: could not list queued jobs", { repo: fullName, error });
        continue;
      }
      if (queued.length === 0) continue;
      const ids = queued.map((job) => String(job.githubJobId));
      const known = await store.knownJobIds(ids);
      for (
        const job of unseenJobs(queued, known, { now: now(), minAgeMs: this.options.minAgeMs })
      ) {
        const id = String(job.githubJobId);
        await store.audit({
          at: now(),
          actor: "reconciler",
          action: "job.adopt",
          target: id,
          payload: { repo: fullName, reason: "queued on GitHub, never seen by the core" },
        });
        log.info("reconcile: adopting a queued job whose webhook never came", {
          jobId: id,
          repo: fullName,
        });
        await this.options.enqueue(message("queued", job, now()));
        adopted.push(id);
      }
    }
    return { adopted };
  }

  async #closeFinished(): Promise<string[]> {
    const { store, github, log, now } = this.options;
    const open = await store.openJobs();
    const closed: string[] = [];
    const checks = jobsToCheck(open, {
      now: now(),
      minAgeMs: this.options.minAgeMs,
      max: this.options.maxJobChecks,
    });
    for (const check of checks) {
      const job = open.find((row) => row.id === check.id)!;
      const facts = await github.job(job, job.githubJobId);
      if (facts?.status !== "completed") continue;
      await store.audit({
        at: now(),
        actor: "reconciler",
        action: "job.close",
        target: job.id,
        payload: {
          was: job.state,
          conclusion: facts.conclusion,
          reason: "completed on GitHub, completed webhook never came",
        },
      });
      log.info("reconcile: closing a job GitHub has finished", {
        jobId: job.id,
        was: job.state,
        conclusion: facts.conclusion,
      });
      await this.options.enqueue(message("completed", facts, now()));
      closed.push(job.id);
    }
    return closed;
  }

  async #retryInterrupted(): Promise<string[]> {
    if (!this.options.capabilities.spot) return [];
    // Re-runs of re-runs qualify too; rerunDecision bounds the line by spot_retries.
    const candidates = await this.options.store.waitingRetriesSince(
      this.options.now() - 24 * 3600_000,
    );
    const deps: SpotRetryDeps = { ...this.options, maxRetries: this.options.spotRetries };
    const retried: string[] = [];
    for (const id of candidates) {
      const next = await retryInterrupted(deps, id);
      if (next) retried.push(next);
    }
    return retried;
  }
}

function message(
  action: "queued" | "completed",
  job: WorkflowJobMessage["job"],
  at: number,
): WorkflowJobMessage {
  return {
    type: "workflow_job",
    action,
    deliveryId: `gantry-reconcile-${action}-${job.githubJobId}`,
    receivedAt: at,
    job,
  };
}

/** Runs a pass every `intervalMs` until `signal` aborts; a failed pass is logged and retried. */
export async function runReconciler(
  reconciler: Reconciler,
  options: { intervalMs: number; signal: AbortSignal; log: Logger },
): Promise<void> {
  await runEvery({ ...options, what: "reconcile pass" }, () => reconciler.reconcileOnce());
}
