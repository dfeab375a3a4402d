/** The jobs list: newest first, filtered, paged by a (queuedAt, id) cursor. */
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { instances, jobs, pools, projects } from "../../shared/db/schema.ts";
import {
  decodeCursor,
  encodeCursor,
  type JobsListQuery,
  type JobsListResponse,
  type JobView,
} from "../../shared/schema/api.ts";
import type { Database } from "./database.ts";

/** A job row joined with its project, pool and instance, as the list and detail queries read it. */
export interface JobJoinRow {
  job: typeof jobs.$inferSelect;
  project: string | null;
  pool: string | null;
  instance: typeof instances.$inferSelect | null;
}

/** The console's view of a job (the list's columns; the detail view adds to it). */
export function jobViewOf({ job, project, pool, instance }: JobJoinRow): JobView {
  return {
    id: job.id,
    githubJobId: job.githubJobId,
    runId: job.runId,
    runAttempt: job.runAttempt,
    repoFullName: job.repoFullName,
    workflowName: job.workflowName,
    jobName: job.jobName,
    branch: job.branch,
    sha: job.sha,
    sender: job.sender,
    labels: job.labels,
    state: job.state,
    project,
    pool,
    instanceId: job.instanceId,
    instanceType: instance?.instanceType ?? null,
    isSpot: instance?.isSpot ?? null,
    priceUsdPerHour: job.priceUsdPerHour,
    costUsd: job.costUsd,
    failureReason: job.failureReason,
    queuedAt: job.queuedAt,
    launchedAt: job.launchedAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    updatedAt: job.updatedAt,
  };
}

export async function listJobs(db: Database, query: JobsListQuery): Promise<JobsListResponse> {
  const filters: (SQL | undefined)[] = [
    query.status ? eq(jobs.state, query.status) : undefined,
    query.project ? eq(projects.name, query.project) : undefined,
    query.pool ? eq(pools.name, query.pool) : undefined,
    query.repo ? eq(jobs.repoFullName, query.repo) : undefined,
  ];
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    filters.push(
      or(
        lt(jobs.queuedAt, cursor.queuedAt),
        and(eq(jobs.queuedAt, cursor.queuedAt), lt(jobs.id, cursor.id)),
      ),
    );
  }
  const rows = await db
    .select({ job: jobs, project: projects.name, pool: pools.name, instance: instances })
    .from(jobs)
    .leftJoin(projects, eq(projects.id, jobs.projectId))
    .leftJoin(pools, eq(pools.id, jobs.poolId))
    .leftJoin(instances, eq(instances.id, jobs.instanceId))
    .where(and(...filters))
    .orderBy(desc(jobs.queuedAt), desc(jobs.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    jobs: page.map(jobViewOf),
    nextCursor: rows.length > query.limit && last
      ? encodeCursor({ queuedAt: last.job.queuedAt, id: last.job.id })
      : null,
  };
}
