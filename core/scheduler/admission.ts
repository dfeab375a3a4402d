/**
 * Admission: routes queued jobs to a pool of the project their repo is
 * bound to (or drops them, with the reason), admits those under every cap,
 * oldest first, and claims them for this core. Each claim re-checks its caps
 * in the same write, so two cores never overfill a pool. Claimed jobs go to
 * batch gathering; a job still backing off after a shortfall waits.
 */
import { type CapCandidate, planAdmissions } from "../../shared/launch/caps.ts";
import { routeJob } from "../../shared/routing.ts";
import type { Binding, JobRow, PoolRow, Store } from "../db/store.ts";
import { correlationIdsOf, type Logger } from "../log.ts";
import type { LaunchHolds } from "./background_work.ts";
import { capGuardOf, type JobStep, type LaunchQueries } from "../db/launch_queries.ts";
import { routableOf } from "./pool_spec.ts";
import type { LaunchGateView } from "../control/launch_gate.ts";

export interface AdmissionOptions {
  store: Pick<Store, "bindingOf" | "recordWait">;
  launches: Pick<
    LaunchQueries,
    "auditDrops" | "repoCaps" | "slotCounts" | "transitionMany"
  >;
  /** This core (edge.core_id): claims are recorded under it. */
  coreId: string;
  now: () => number;
  log: Logger;
  holds: LaunchHolds;
  /** Whether a job's backoff after a shortfall has run out. */
  mayRetry: (jobId: string, at: number) => boolean;
  /** Hands a freshly claimed job to batch gathering. */
  gather: (job: JobRow) => void;
  /** An operator's pause or drain: jobs of a held pool stay queued. */
  gate?: LaunchGateView;
}

interface Routed {
  job: JobRow;
  binding: Binding;
  pool: PoolRow;
}

type SlotCount = Awaited<ReturnType<LaunchQueries["slotCounts"]>>[number];

export class Admission {
  /** Jobs seen waiting on a cap since they last were not: each wait is recorded once. */
  readonly #waitingOnCap = new Set<string>();

  constructor(readonly options: AdmissionOptions) {}

  /** Routes, caps and claims the queued jobs (oldest first) nobody is handling. */
  async admitQueued(rows: readonly JobRow[]): Promise<void> {
    const { holds, launches, mayRetry, now } = this.options;
    const queued = rows.filter((job) => !holds.jobs.has(job.id) && mayRetry(job.id, now()));
    // Bounded by the queue: a job no longer queued (claimed, cancelled) is forgotten.
    const queuedIds = new Set(queued.map((job) => job.id));
    for (const id of this.#waitingOnCap) if (!queuedIds.has(id)) this.#waitingOnCap.delete(id);
    if (queued.length === 0) return;
    const gate = this.options.gate;
    // The slot counts are read while routing reads the bindings: one round trip less.
    const counts = Promise.all([launches.repoCaps(), launches.slotCounts()]);
    counts.catch(() => {}); // Awaited below, or dropped with nothing to admit.
    const routed = (await this.#route(queued)).filter(({ pool }) =>
      gate?.mayLaunch(pool.id) ?? true
    );
    if (routed.length === 0) return;

    const capsAndCounts = this.#capsAndCounts(routed.map((r) => r.binding), await counts);
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
    const moved = await launches.transitionMany(
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
      this.options.gather({
        ...job,
        state: "claimed",
        projectId: binding.project.id,
        poolId: pool.id,
        claimedBy: this.options.coreId,
      });
    }
    for (const id of admission.admitted) this.#waitingOnCap.delete(id);
    const newlyWaiting = admission.waiting.map((w) => w.id).filter((id) =>
      !this.#waitingOnCap.has(id)
    );
    if (newlyWaiting.length > 0) {
      for (const id of newlyWaiting) this.#waitingOnCap.add(id);
      await this.options.store.recordWait(newlyWaiting, "cap", at);
    }
    if (admission.waiting.length > 0) {
      this.options.log.debug("jobs wait for a slot", { waiting: admission.waiting.length });
    }
  }

  /** Each job's pool; jobs no pool can take are dropped (and audited) here. */
  async #route(queued: readonly JobRow[]): Promise<Routed[]> {
    const { launches, now } = this.options;
    const bindings = new Map<string, Binding | null>();
    const routed: Routed[] = [];
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
      const dropped = await launches.transitionMany(drops, at);
      // No pool's runner could take these: GitHub would hold them queued for a day.
      await launches.auditDrops(drops.filter((d) => dropped.has(d.id)), at);
      this.options.log.info("jobs dropped", {
        correlationIds: correlationIdsOf(drops.map((d) => d.id)),
        reasons: [...new Set(drops.map((d) => d.reason))],
      });
    }
    return routed;
  }

  #capsAndCounts(
    bindings: Binding[],
    [repoCaps, slotCounts]: [Map<string, number>, SlotCount[]],
  ) {
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
    for (const row of slotCounts) {
      if (!repoCaps.has(row.repo)) add(active.project, row.projectId, row.n);
      add(active.repo, row.repo, row.n);
      add(active.pool, row.poolId, row.n);
    }
    return { caps, active };
  }
}
