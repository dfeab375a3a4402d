/**
 * The stopped warm pool's reads and writes in libSQL: which pools want
 * stopped instances, which they hold, and a job's claim on one. A claim is
 * one guarded UPDATE, so two jobs never share an instance, and a job that
 * claimed before (a replay after a crash) finds its own claim again.
 */
import type { StandbyInstance, StoppedTarget } from "../../shared/launch/stopped_pool.ts";
import { STOPPED_TOKEN_PREFIX } from "../../shared/launch/stopped_pool.ts";
import type { Store } from "./store.ts";

/** A pool that wants stopped instances, and the repo its launches are tagged with. */
export interface StoppedPoolTarget extends StoppedTarget {
  /** A repo bound to the pool's project (the binding a launch needs); the first by name. */
  repo: string;
}

/** A stopped instance a job claimed: enough to start it and hand it a runner. */
export interface ClaimedStandby {
  instanceId: string;
  /** Its size now (it may be resized before it starts). */
  size: string | null;
  /** Its launch's client token: the batch id its boot token names. */
  clientToken: string;
  zone: string | null;
  /** Set once it was started for the job (a replay skips the resize). */
  startedAt: number | null;
}

export class StoppedPoolQueries {
  constructor(private readonly store: Pick<Store, "client">) {}

  /** Every enabled pool of an enabled project with a stopped minimum or maximum. */
  async targets(): Promise<StoppedPoolTarget[]> {
    const result = await this.store.client.execute(
      `SELECT p.id AS pool_id, p.stopped_min, coalesce(p.stopped_max, p.stopped_min) AS stopped_max,
              (SELECT min(r.full_name) FROM repos r WHERE r.project_id = p.project_id) AS repo
         FROM pools p JOIN projects pr ON pr.id = p.project_id
        WHERE (p.stopped_min > 0 OR p.stopped_max > 0) AND p.is_enabled = 1 AND pr.is_disabled = 0
        ORDER BY p.id`,
    );
    return result.rows.filter((row) => row.repo !== null).map((row) => ({
      poolId: String(row.pool_id),
      min: Number(row.stopped_min),
      max: Number(row.stopped_max),
      repo: String(row.repo),
    }));
  }

  /** Live stopped-pool instances no job claimed yet. */
  async standby(): Promise<StandbyInstance[]> {
    const result = await this.store.client.execute(
      `SELECT id, pool_id, standby, launched_at FROM instances
        WHERE standby IN ('preparing', 'stopped') AND terminated_at IS NULL
        ORDER BY launched_at, id`,
    );
    return result.rows.map((row) => ({
      instanceId: String(row.id),
      poolId: String(row.pool_id),
      state: row.standby === "stopped" ? "stopped" : "preparing",
      launchedAt: Number(row.launched_at),
    }));
  }

  /**
   * Whether this instance is a stopped pool's on its first boot (`preparing`,
   * not terminated), with its pool's instance types (whether it hibernates is
   * decided from them); null while the instance is not recorded at all.
   */
  async preparingOf(
    instanceId: string,
  ): Promise<{ isPreparing: boolean; instanceTypes: string[] } | null> {
    const result = await this.store.client.execute({
      sql: `SELECT i.standby = 'preparing' AND i.terminated_at IS NULL AS is_preparing,
                   coalesce(p.instance_types, '[]') AS instance_types
              FROM instances i LEFT JOIN pools p ON p.id = i.pool_id WHERE i.id = ?`,
      args: [instanceId],
    });
    const row = result.rows[0];
    if (!row) return null;
    return {
      isPreparing: Number(row.is_preparing) === 1,
      instanceTypes: JSON.parse(String(row.instance_types)),
    };
  }

  /**
   * Claims no job will use: the job left `claimed`/`launching` (cancelled,
   * failed) before its instance was started. The instance is stopped still,
   * so it goes back to the pool.
   */
  async releaseStaleClaims(): Promise<string[]> {
    const result = await this.store.client.execute(
      `UPDATE instances SET standby = 'stopped', job_id = NULL
        WHERE standby = 'claimed' AND runner_name IS NULL AND terminated_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = instances.job_id
                            AND j.state IN ('claimed', 'launching'))
        RETURNING id`,
    );
    return result.rows.map((row) => String(row.id));
  }

  /** Stopped-pool launches ever recorded for a pool: the next one's sequence number. */
  async launchesSoFar(poolId: string): Promise<number> {
    const result = await this.store.client.execute({
      sql: `SELECT count(*) AS n FROM instances WHERE pool_id = ? AND client_token LIKE ?`,
      args: [poolId, `${STOPPED_TOKEN_PREFIX}%`],
    });
    return Number(result.rows[0].n);
  }

  /** Moves live instances from one standby state to another; returns those moved. */
  async moveStandby(
    ids: readonly string[],
    move: { from: "preparing" | "stopped"; to: "stopped" },
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await this.store.client.execute({
      sql: `UPDATE instances SET standby = ?, state = ?
             WHERE standby = ? AND terminated_at IS NULL AND id IN (${
        ids.map(() => "?").join(", ")
      })
             RETURNING id`,
      args: [move.to, move.to, move.from, ...ids],
    });
    return result.rows.map((row) => String(row.id));
  }

  /**
   * The stopped instance of `poolId` that `jobId` claimed before, else the
   * oldest one free, claimed for it now; null when none is free.
   */
  async claim(jobId: string, poolId: string): Promise<ClaimedStandby | null> {
    const claimed = await this.claimedBy(jobId);
    if (claimed) return claimed;
    const result = await this.store.client.execute({
      sql: `UPDATE instances SET standby = 'claimed', job_id = ?
             WHERE id = (SELECT id FROM instances
                          WHERE pool_id = ? AND standby = 'stopped' AND terminated_at IS NULL
                          ORDER BY launched_at, id LIMIT 1)
               AND standby = 'stopped' AND terminated_at IS NULL
             RETURNING id, instance_type, client_token, availability_zone`,
      args: [jobId, poolId],
    });
    const row = result.rows[0];
    return row ? claimedOf({ ...row, started_at: null }) : null;
  }

  /** The live stopped instance `jobId` claimed, if any. */
  async claimedBy(jobId: string): Promise<ClaimedStandby | null> {
    const result = await this.store.client.execute({
      sql: `SELECT id, instance_type, client_token, availability_zone,
                   CASE WHEN runner_name IS NOT NULL THEN launched_at END AS started_at
              FROM instances
             WHERE job_id = ? AND standby = 'claimed' AND terminated_at IS NULL`,
      args: [jobId],
    });
    const row = result.rows[0];
    return row ? claimedOf(row) : null;
  }

  /** Its new size, after a resize. */
  async setSize(instanceId: string, size: string): Promise<void> {
    await this.store.client.execute({
      sql: "UPDATE instances SET instance_type = ? WHERE id = ?",
      args: [size, instanceId],
    });
  }

  /**
   * Started for its job: its runner, price and start time (its running life,
   * and so its job's cost and boot timeout, count from the start, not the
   * first boot).
   */
  async markStarted(
    instanceId: string,
    started: { runnerName: string; priceUsdPerHour: number | null; startedAt: number },
  ): Promise<void> {
    await this.store.client.execute({
      sql: `UPDATE instances SET state = 'pending', runner_name = ?, price_usd_per_hour = ?,
                   launched_at = ?
             WHERE id = ? AND standby = 'claimed'`,
      args: [started.runnerName, started.priceUsdPerHour, started.startedAt, instanceId],
    });
  }
}

function claimedOf(row: Record<string, unknown>): ClaimedStandby {
  return {
    instanceId: String(row.id),
    size: row.instance_type === null ? null : String(row.instance_type),
    clientToken: String(row.client_token),
    zone: row.availability_zone === null ? null : String(row.availability_zone),
    startedAt: row.started_at === null || row.started_at === undefined
      ? null
      : Number(row.started_at),
  };
}
