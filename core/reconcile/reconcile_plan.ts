/**
 * What reconciliation does about missed webhooks, decided from data alone:
 * which failed deliveries to ask GitHub to send again, which queued jobs the
 * core has never seen, which jobs to ask GitHub about.
 */
import type { HookDelivery } from "../github/github.ts";
import type { JobFacts } from "../../shared/schema/edge_core.ts";

/** A delivery GitHub made and the edge did not accept. Status 0: no answer at all (timeout). */
function isFailed(delivery: HookDelivery): boolean {
  return delivery.statusCode < 200 || delivery.statusCode >= 300;
}

/**
 * Failed `workflow_job` deliveries to redeliver, once each: a delivery (by
 * guid) that has succeeded since, or that was already redelivered, is left
 * alone, so a redelivery that fails too is not retried forever (the
 * queued-job listing catches what is still missing).
 */
export function deliveriesToRedeliver(deliveries: readonly HookDelivery[]): HookDelivery[] {
  const byGuid = Map.groupBy(
    deliveries.filter((delivery) => delivery.event === "workflow_job"),
    (delivery) => delivery.guid,
  );
  const picks: HookDelivery[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some((attempt) => !isFailed(attempt) || attempt.isRedelivery)) continue;
    const newest = attempts.reduce((a, b) => (b.deliveredAt > a.deliveredAt ? b : a));
    picks.push(newest);
  }
  return picks.sort((a, b) => a.deliveredAt - b.deliveredAt);
}

/**
 * Queued jobs GitHub has and the core has never recorded. A job younger than
 * `minAgeMs` is left to its webhook, which is most likely on its way.
 */
export function unseenJobs(
  queued: readonly JobFacts[],
  known: ReadonlySet<string>,
  policy: { now: number; minAgeMs: number },
): JobFacts[] {
  return queued.filter((job) => {
    if (known.has(String(job.githubJobId))) return false;
    const createdAt = Date.parse(job.createdAt);
    return !Number.isFinite(createdAt) || policy.now - createdAt >= policy.minAgeMs;
  });
}

/** A repo binding as the sweep sees it. */
export interface BoundRepo {
  fullName: string;
  /** Its project is disabled: its jobs are not ours to launch. */
  isDisabled: boolean;
}

/**
 * The repos whose queued jobs to list: every repo bound to an enabled
 * project, and every repo an org-scoped project's installation sees that is
 * bound to no project (a binding wins over the org scope, a disabled one
 * included). Case-insensitive, each once, bound ones first.
 */
export function reposToSweep(
  bound: readonly BoundRepo[],
  orgRepos: readonly string[],
): string[] {
  const seen = new Set(bound.map((repo) => repo.fullName.toLowerCase()));
  const sweep = bound.filter((repo) => !repo.isDisabled).map((repo) => repo.fullName);
  for (const name of orgRepos) {
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    sweep.push(name);
  }
  return sweep;
}

/**
 * `repos` starting at `from` (wrapping round), so a pass cut short by the
 * rate limit is followed by one that starts where it stopped, and every repo
 * of a large org gets its turn.
 */
export function rotated<T>(repos: readonly T[], from: number): T[] {
  if (repos.length === 0) return [];
  const start = ((from % repos.length) + repos.length) % repos.length;
  return [...repos.slice(start), ...repos.slice(0, start)];
}

/** A job the core thinks is on its way or running. */
export interface OpenJob {
  id: string;
  state: string;
  updatedAt: number;
}

/**
 * Open jobs worth asking GitHub about, oldest first, at most `max` (each
 * costs an API call): those quiet for at least `minAgeMs`.
 */
export function jobsToCheck(
  open: readonly OpenJob[],
  policy: { now: number; minAgeMs: number; max: number },
): OpenJob[] {
  return open
    .filter((job) => policy.now - job.updatedAt >= policy.minAgeMs)
    .sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1))
    .slice(0, policy.max);
}

/** Where the next delivery-log read starts: a minute before this pass began, to cover clock skew. */
export function nextDeliveryCursor(passStartedAt: number): number {
  return passStartedAt - 60_000;
}
