/** One job with its instance and its timeline of transitions, for the detail view. */
import { asc, eq } from "drizzle-orm";
import {
  instances,
  jobs,
  jobStages,
  jobTransitions,
  jobWaits,
  pools,
  projects,
} from "../../shared/db/schema.ts";
import { NotFoundError } from "../../shared/errors.ts";
import { isJobState } from "../../shared/job_state.ts";
import { knownWaits, stagesOfJob, waterfallOf } from "../../shared/job_stages.ts";
import type { JobDetailResponse, TransitionView } from "../../shared/schema/console.ts";
import type { Database } from "./database.ts";
import { jobViewOf } from "./jobs_query.ts";

/** @throws {NotFoundError} when no job has `id`. */
export async function jobDetail(db: Database, id: string): Promise<JobDetailResponse> {
  const [[row], transitions, stageRows, waitRows] = await db.batch([
    db.select({ job: jobs, project: projects.name, pool: pools.name, instance: instances })
      .from(jobs)
      .leftJoin(projects, eq(projects.id, jobs.projectId))
      .leftJoin(pools, eq(pools.id, jobs.poolId))
      .leftJoin(instances, eq(instances.id, jobs.instanceId))
      .where(eq(jobs.id, id))
      .limit(1),
    db.select().from(jobTransitions)
      .where(eq(jobTransitions.jobId, id))
      .orderBy(asc(jobTransitions.at), asc(jobTransitions.id)),
    db.select().from(jobStages).where(eq(jobStages.jobId, id)),
    db.select().from(jobWaits).where(eq(jobWaits.jobId, id)),
  ]);
  if (!row) throw new NotFoundError(`no job with id ${id}`);
  const { job, instance } = row;
  return {
    job: {
      ...jobViewOf(row),
      htmlUrl: job.htmlUrl,
      conclusion: job.conclusion,
      launchAttempts: job.launchAttempts,
      claimedAt: job.claimedAt,
      availabilityZone: instance?.availabilityZone ?? null,
      instanceState: instance?.state ?? null,
      terminatedAt: instance?.terminatedAt ?? null,
      terminationReason: instance?.terminationReason ?? null,
    },
    // A state this build does not know (a newer core wrote it) is left out, not a 500.
    transitions: transitions.flatMap((t): TransitionView[] =>
      isJobState(t.toState)
        ? [{
          from: isJobState(t.fromState) ? t.fromState : null,
          to: t.toState,
          at: t.at,
          reason: t.reason,
        }]
        : []
    ),
    waterfall: waterfallOf(stagesOfJob(job, stageRows), knownWaits(waitRows)),
  };
}
