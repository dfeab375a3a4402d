/**
 * The missed-webhook loop's reads in libSQL: the repos to sweep, the jobs it
 * already knows, and the open jobs to ask GitHub about.
 */
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { jobs, projects, repos } from "../../shared/db/schema.ts";
import type { JobState } from "../../shared/job_state.ts";
import type { SpotRetryStore } from "./spot_retry_queries.ts";
import type { Store } from "./store.ts";

/** The named queries the reconciler asks (its own, and spot re-runs'); the Store answers them. */
export type ReconcilerStore =
  & Pick<
    Store,
    "boundRepos" | "scopedOrgs" | "knownJobIds" | "openJobs" | "waitingRetriesSince" | "audit"
  >
  & SpotRetryStore;

/** A job the core thinks is starting or running, and where to ask GitHub about it. */
export interface OpenJob {
  id: string;
  state: JobState;
  updatedAt: number;
  githubJobId: number;
  repoFullName: string;
  installationId: number | null;
}

export class ReconcileQueries {
  constructor(private readonly store: Pick<Store, "db">) {}

  /** Every bound repo, with whether its project is disabled. */
  async boundRepos(): Promise<{ fullName: string; isDisabled: boolean }[]> {
    return await this.store.db.select({
      fullName: repos.fullName,
      isDisabled: projects.isDisabled,
    }).from(repos).innerJoin(projects, eq(projects.id, repos.projectId));
  }

  /** The orgs of enabled org-scoped projects. */
  async scopedOrgs(): Promise<string[]> {
    const rows = await this.store.db.select({ org: projects.org }).from(projects)
      .where(and(isNotNull(projects.org), eq(projects.isDisabled, false)));
    return rows.map((row) => row.org!);
  }

  /** Which of these job ids the core has recorded. */
  async knownJobIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.store.db.select({ id: jobs.id }).from(jobs)
      .where(inArray(jobs.id, [...ids]));
    return new Set(rows.map((row) => row.id));
  }

  /** Jobs starting or running. */
  async openJobs(): Promise<OpenJob[]> {
    return await this.store.db.select({
      id: jobs.id,
      state: jobs.state,
      updatedAt: jobs.updatedAt,
      githubJobId: jobs.githubJobId,
      repoFullName: jobs.repoFullName,
      installationId: jobs.installationId,
    }).from(jobs).where(inArray(jobs.state, ["starting", "running"]));
  }
}
