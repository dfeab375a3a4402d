/**
 * What the reaper reads from libSQL: live instances with the job on each (and
 * whether their runner sits idle), the runner to remove from GitHub, and jobs
 * that never got going.
 */
import { inArray } from "drizzle-orm";
import { jobs } from "../../shared/db/schema.ts";
import { type JobState, TERMINAL_STATES } from "../../shared/job_state.ts";
import type { LiveInstance, PendingJob } from "../scheduler/reap_plan.ts";
import type { InterruptionStore } from "./spot_retry_queries.ts";
import type { Store } from "./store.ts";

/** The named queries the reaper asks; the Store answers them. */
export type ReaperStore =
  & Pick<
    Store,
    | "reapableInstances"
    | "pendingJobs"
    | "terminatedInBooks"
    | "knownInstanceIds"
    | "markTerminated"
    | "audit"
    | "job"
    | "transitionJob"
    | "transitionsOf"
  >
  & InterruptionStore;

/** A live instance plus what is needed to remove its runner from GitHub. */
export interface ReapableInstance extends LiveInstance {
  runnerName: string | null;
  /** Where the runner registered: "org" for an org-scoped project's runner, else "repo". */
  runnerScope: "repo" | "org";
  repoFullName: string | null;
  installationId: number | null;
  isSpot: boolean;
}

/** Launch-job states in which the instance's own runner may have nothing to do. */
const IDLE_LAUNCH_STATES = ["running", ...TERMINAL_STATES].map((s) => `'${s}'`).join(", ");

/**
 * Instances not yet terminated. The job on each is the one running on it
 * (GitHub may have given it any job), else the one it was launched for. With
 * no job running on it, an instance whose launch job never ran on it is idle:
 * since that job started on another runner, or since it ended without running
 * (cancelled while queued). Its runner may yet be running a job whose
 * `in_progress` has not arrived, so only the idle timeout reaps it. A stopped
 * pool's instances are left to its tick until one is started for a job.
 */
export async function reapableInstances(
  store: Pick<Store, "client">,
  defaultMaxRuntimeMinutes: number,
): Promise<ReapableInstance[]> {
  const result = await store.client.execute({
    sql: `SELECT i.id, i.launched_at, i.runner_name, i.runner_scope, i.is_spot,
            coalesce(running.id, launch.id) AS job_id,
            coalesce(running.state, launch.state) AS job_state,
            CASE WHEN running.id IS NULL AND launch.state IN (${IDLE_LAUNCH_STATES})
                   AND NOT (launch.started_at IS NOT NULL AND launch.instance_id IS i.id)
                 THEN coalesce(launch.started_at, launch.completed_at, launch.updated_at)
                 END AS idle_since,
            coalesce(running.repo_full_name, launch.repo_full_name) AS repo_full_name,
            coalesce(running.installation_id, launch.installation_id) AS installation_id,
            coalesce(p.max_runtime_minutes, ?) AS max_runtime_minutes
          FROM instances i
          LEFT JOIN jobs running ON running.id = (
            SELECT j.id FROM jobs j WHERE j.instance_id = i.id AND j.state IN ('starting', 'running')
            ORDER BY j.state = 'running' DESC, j.updated_at DESC LIMIT 1)
          LEFT JOIN jobs launch ON launch.id = i.job_id
          LEFT JOIN pools p ON p.id = i.pool_id
          WHERE i.terminated_at IS NULL
            -- A stopped pool's instance is the pool's to keep until it is started for a job.
            AND (i.standby IS NULL OR i.runner_name IS NOT NULL)`,
    args: [defaultMaxRuntimeMinutes],
  });
  const text = (value: unknown) => value === null || value === undefined ? null : String(value);
  return result.rows.map((row) => ({
    id: String(row.id),
    launchedAt: Number(row.launched_at),
    jobId: text(row.job_id),
    jobState: text(row.job_state) as JobState | null,
    maxRuntimeMinutes: Number(row.max_runtime_minutes),
    idleSince: row.idle_since === null ? null : Number(row.idle_since),
    runnerName: text(row.runner_name),
    runnerScope: row.runner_scope === "org" ? "org" : "repo",
    repoFullName: text(row.repo_full_name),
    installationId: row.installation_id === null ? null : Number(row.installation_id),
    isSpot: Boolean(row.is_spot),
  }));
}

/** Jobs between claim and a started runner (candidates for the stuck rule). */
export async function pendingJobs(store: Pick<Store, "db">): Promise<PendingJob[]> {
  return await store.db.select({ id: jobs.id, state: jobs.state, updatedAt: jobs.updatedAt })
    .from(jobs).where(inArray(jobs.state, ["claimed", "launching", "starting"]));
}

/**
 * When the books closed each of these instances, for those they hold as
 * terminated. Offline, the local mirror may not know: nothing is reported.
 */
export async function terminatedInBooks(
  store: Pick<Store, "client" | "isOffline">,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  if (store.isOffline()) return new Map();
  const terminated = new Map<string, number>();
  // Bound the statement's parameters; a managed listing can run to thousands.
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const result = await store.client.execute({
      sql: `SELECT id, terminated_at FROM instances
            WHERE terminated_at IS NOT NULL AND id IN (${chunk.map(() => "?").join(", ")})`,
      args: [...chunk],
    });
    for (const row of result.rows) terminated.set(String(row.id), Number(row.terminated_at));
  }
  return terminated;
}
