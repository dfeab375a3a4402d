/**
 * Concurrency caps: which queued jobs may launch now. A project cap, a repo
 * cap (overriding the project's for that repo: its jobs count against the repo
 * cap instead of the project's) and a pool cap, each 0 for none. Jobs are considered oldest first; one over a cap waits in place,
 * and a younger job under every cap may pass it (caps are per scope, so only
 * jobs sharing the full scope keep strict order).
 *
 * @module
 */

/** A queued job, already routed to a pool. */
export interface CapCandidate {
  id: string;
  projectId: string;
  repo: string;
  poolId: string;
}

/** The caps in force; 0 (or absent) means no cap. */
export interface Caps {
  project: ReadonlyMap<string, number>;
  /** Per repo: the repo's override, when it has one. */
  repo: ReadonlyMap<string, number>;
  pool: ReadonlyMap<string, number>;
}

/** Jobs holding a slot right now (claimed, launching, starting, running), per scope. */
export interface ActiveCounts {
  /** Counting only repos without a cap of their own. */
  project: ReadonlyMap<string, number>;
  repo: ReadonlyMap<string, number>;
  pool: ReadonlyMap<string, number>;
}

/** The outcome: who launches now, who waits and on which cap. */
export interface Admission {
  admitted: string[];
  waiting: { id: string; cap: "project" | "repo" | "pool"; limit: number }[];
}

/**
 * Decides which of `candidates` (oldest first) may take a slot. A repo with
 * its own cap is limited by it instead of the project cap; the pool cap
 * applies on top.
 */
export function planAdmissions(
  candidates: readonly CapCandidate[],
  options: { caps: Caps; active: ActiveCounts },
): Admission {
  const { caps } = options;
  const used = {
    project: new Map(options.active.project),
    repo: new Map(options.active.repo),
    pool: new Map(options.active.pool),
  };
  const admission: Admission = { admitted: [], waiting: [] };
  for (const job of candidates) {
    const repoCap = caps.repo.get(job.repo);
    const checks: ["project" | "repo" | "pool", number, number][] = [
      repoCap !== undefined
        ? ["repo", repoCap, used.repo.get(job.repo) ?? 0]
        : ["project", caps.project.get(job.projectId) ?? 0, used.project.get(job.projectId) ?? 0],
      ["pool", caps.pool.get(job.poolId) ?? 0, used.pool.get(job.poolId) ?? 0],
    ];
    const full = checks.find(([, limit, count]) => limit > 0 && count >= limit);
    if (full) {
      admission.waiting.push({ id: job.id, cap: full[0], limit: full[1] });
      continue;
    }
    admission.admitted.push(job.id);
    if (repoCap === undefined) increment(used.project, job.projectId);
    increment(used.repo, job.repo);
    increment(used.pool, job.poolId);
  }
  return admission;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
