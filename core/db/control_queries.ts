/**
 * What an operator's actions read and write in libSQL: the machine to
 * terminate with its runner's registration, a job cancelled before launch,
 * and a failed launch queued again.
 */
import type { RunnerScope } from "../github/github.ts";
import type { Store } from "./store.ts";

/** A machine to terminate, with what removing its runner from GitHub needs. */
export interface MachineToEnd {
  id: string;
  terminatedAt: number | null;
  runnerName: string | null;
  runnerScope: RunnerScope;
  repoFullName: string | null;
  installationId: number | null;
}

/** The named queries an operator's action asks, besides {@link ControlQueries}. */
export type ControlStore =
  & Pick<Store, "markTerminated" | "job">
  & ConstructorParameters<typeof ControlQueries>[0];

export class ControlQueries {
  constructor(private readonly store: Pick<Store, "client" | "transitionJob">) {}

  /** The machine, its runner and the repo it registered with (from its job), or null. */
  async machine(id: string): Promise<MachineToEnd | null> {
    const result = await this.store.client.execute({
      sql: `SELECT i.id, i.terminated_at, i.runner_name, i.runner_scope,
              coalesce(running.repo_full_name, launch.repo_full_name, i.warm_repo_full_name)
                AS repo_full_name,
              coalesce(running.installation_id, launch.installation_id) AS installation_id
            FROM instances i
            LEFT JOIN jobs running ON running.id = (
              SELECT j.id FROM jobs j WHERE j.instance_id = i.id AND j.state IN ('starting', 'running')
              ORDER BY j.updated_at DESC LIMIT 1)
            LEFT JOIN jobs launch ON launch.id = i.job_id
            WHERE i.id = ?`,
      args: [id],
    });
    const row = result.rows[0];
    if (!row) return null;
    return {
      id: String(row.id),
      terminatedAt: row.terminated_at === null ? null : Number(row.terminated_at),
      runnerName: row.runner_name === null ? null : String(row.runner_name),
      runnerScope: row.runner_scope === "org" ? "org" : "repo",
      repoFullName: row.repo_full_name === null ? null : String(row.repo_full_name),
      installationId: row.installation_id === null ? null : Number(row.installation_id),
    };
  }

  /** Cancels a job that has not started launching; its state before, or null when it had. */
  async cancel(jobId: string, at: number, reason: string): Promise<"queued" | "claimed" | null> {
    for (const from of ["queued", "claimed"] as const) {
      if (await this.store.transitionJob(jobId, { from, to: "cancelled", at, reason })) return from;
    }
    return null;
  }

  /**
   * Queues a failed launch again, as new: no attempt, token, runner or
   * reason left from before. The one way out of `failed` (the state
   * machine's transitions stay as they are for every other writer), so it is
   * written here, with its own transition row. False unless it was a failed
   * job without a machine.
   */
  async requeueFailedLaunch(jobId: string, at: number, reason: string): Promise<boolean> {
    const [update] = await this.store.client.batch([
      {
        sql: `UPDATE jobs SET state = 'queued', launch_client_token = NULL, runner_name = NULL,
                failure_reason = NULL, claimed_by = NULL, claimed_at = NULL, updated_at = ?
              WHERE id = ? AND state = 'failed' AND instance_id IS NULL`,
        args: [at, jobId],
      },
      {
        sql: `INSERT INTO job_transitions (job_id, from_state, to_state, at, reason)
              SELECT ?, 'failed', 'queued', ?, ? WHERE changes() = 1`,
        args: [jobId, at, reason],
      },
    ], "write");
    return update.rowsAffected === 1;
  }
}
