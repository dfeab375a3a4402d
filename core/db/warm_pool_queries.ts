/**
 * The warm pool's reads and writes in libSQL: which (pool, repo) want idle
 * runners, which warm instances live, and machines freed for the warm pool.
 */
import { PIN_LABEL_PREFIX } from "../../shared/labels.ts";
import type { WarmRunner as PlannedWarmRunner, WarmTarget } from "../../shared/launch/warm_pool.ts";
import type { Store } from "./store.ts";

/** The named queries the warm pool asks; the Store answers them. */
export type WarmPoolStore = Pick<
  Store,
  | "adoptFreedLaunches"
  | "warmTargets"
  | "warmRunners"
  | "warmLaunchesSoFar"
  | "instancesOfLaunch"
  | "recordInstances"
  | "bindingOf"
  | "saveLaunchTemplate"
  | "markTerminated"
  | "audit"
  | "warmDecisions"
>;

/** A live warm instance, with the runner registered on it. */
export interface WarmRunner extends PlannedWarmRunner {
  runnerName: string | null;
}

export class WarmPoolQueries {
  constructor(private readonly store: Pick<Store, "client">) {}

  /**
   * A job a warm runner took no longer needs the machine launched for it, and
   * the warm pool needs a replacement: that machine is it (its runner carries
   * the pool's label set), instead of a launch while it idles to the reaper.
   * Not for a pinned job: its runner takes only that run's jobs.
   */
  async adoptFreedLaunches(): Promise<string[]> {
    const result = await this.store.client.execute({
      sql: `UPDATE instances
            SET warm_repo_full_name = (SELECT x.repo_full_name FROM jobs x WHERE x.id = instances.job_id)
          WHERE terminated_at IS NULL AND warm_repo_full_name IS NULL
            AND EXISTS (SELECT 1 FROM pools p WHERE p.id = instances.pool_id AND p.min_idle > 0)
            AND EXISTS (
              SELECT 1 FROM jobs x JOIN instances w ON w.id = x.instance_id
              WHERE x.id = instances.job_id AND w.id <> instances.id
                AND w.warm_repo_full_name IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM json_each(x.labels) WHERE value LIKE ?))
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.instance_id = instances.id)
          RETURNING id`,
      args: [`${PIN_LABEL_PREFIX}%`],
    });
    return result.rows.map((row) => String(row.id));
  }

  /** Every (enabled pool with min_idle, repo bound to its enabled project). */
  async targets(): Promise<WarmTarget[]> {
    const result = await this.store.client.execute(
      `SELECT p.id AS pool_id, r.full_name, p.min_idle FROM pools p
       JOIN projects pr ON pr.id = p.project_id
       JOIN repos r ON r.project_id = p.project_id
     WHERE p.min_idle > 0 AND p.is_enabled = 1 AND pr.is_disabled = 0
     ORDER BY p.id, r.full_name`,
    );
    return result.rows.map((row) => ({
      poolId: String(row.pool_id),
      repo: String(row.full_name),
      minIdle: Number(row.min_idle),
    }));
  }

  /** Live warm instances, and whether a job ever ran on each. */
  async runners(): Promise<WarmRunner[]> {
    const result = await this.store.client.execute(
      `SELECT i.id, i.pool_id, i.warm_repo_full_name, i.launched_at, i.runner_name,
            EXISTS (SELECT 1 FROM jobs j WHERE j.instance_id = i.id) AS is_used
       FROM instances i
     WHERE i.warm_repo_full_name IS NOT NULL AND i.terminated_at IS NULL`,
    );
    return result.rows.map((row) => ({
      instanceId: String(row.id),
      poolId: String(row.pool_id),
      repo: String(row.warm_repo_full_name),
      launchedAt: Number(row.launched_at),
      isUsed: Boolean(row.is_used),
      runnerName: row.runner_name === null ? null : String(row.runner_name),
    }));
  }

  /** Warm launches ever recorded for (pool, repo), adopted machines aside: the next one's sequence number. */
  async launchesSoFar(poolId: string, repo: string): Promise<number> {
    const result = await this.store.client.execute({
      sql: `SELECT count(*) AS n FROM instances
          WHERE pool_id = ? AND warm_repo_full_name = ? AND job_id IS NULL`,
      args: [poolId, repo],
    });
    return Number(result.rows[0].n);
  }
}
