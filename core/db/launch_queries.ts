/**
 * The launcher's and the warm pool's reads and writes in libSQL. Each step of a batch is written
 * for all its jobs in one round trip (one `batch` of guarded updates), and
 * each update moves a job only from the state the launcher saw, so a
 * redelivered event or a restarted core never applies a step twice.
 */
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { auditEvents, instances, jobs, repos } from "../../shared/db/schema.ts";
import { type JobState, transition } from "../../shared/job_state.ts";
import type { InStatement } from "@libsql/client";
import type { LaunchedMachine } from "../providers/provider.ts";
import type { JobPatch, JobRow, NewInstanceRow, Store } from "./store.ts";

/** One job's step in a bulk transition. */
export interface JobStep {
  id: string;
  from: JobState;
  to: JobState;
  reason?: string;
  patch?: JobPatch;
  /** A further condition the move needs (a cap with a slot left), checked in the same write. */
  guard?: SQL;
}

/** A claim's caps: each > 0 is checked; `repoCap` (the repo's own) replaces the project's. */
export interface ClaimCaps {
  projectId: string;
  repo: string;
  poolId: string;
  projectCap: number;
  repoCap: number | undefined;
  poolCap: number;
}

const SLOT_STATES_SQL = () => sql.join(SLOT_STATES.map((state) => sql`${state}`), sql`, `);

/**
 * The condition that every cap on a claim still has a slot, counted in the
 * database at the moment of the write: the launcher's plan is made from
 * counts read earlier, and another core may have claimed since. Claims of
 * one batch are applied in order in one transaction, so each sees the ones
 * before it, and libSQL serialises cores' transactions.
 */
export function capGuardOf(caps: ClaimCaps): SQL | undefined {
  // Through the state index: the live jobs are few, a pool's or repo's history may be millions.
  const slotsUsed = (scope: SQL) =>
    sql`(SELECT count(*) FROM jobs AS held INDEXED BY jobs_state_queued_at_idx
         WHERE ${scope} AND held.state IN (${SLOT_STATES_SQL()}))`;
  const checks: SQL[] = [];
  if (caps.repoCap !== undefined && caps.repoCap > 0) {
    checks.push(sql`${slotsUsed(sql`held.repo_full_name = ${caps.repo}`)} < ${caps.repoCap}`);
  }
  if (caps.repoCap === undefined && caps.projectCap > 0) {
    // Repos with a cap of their own count against it, not the project's.
    const counted = sql`held.project_id = ${caps.projectId} AND held.repo_full_name NOT IN
      (SELECT full_name FROM repos WHERE cap IS NOT NULL)`;
    checks.push(sql`${slotsUsed(counted)} < ${caps.projectCap}`);
  }
  if (caps.poolCap > 0) {
    checks.push(sql`${slotsUsed(sql`held.pool_id = ${caps.poolId}`)} < ${caps.poolCap}`);
  }
  return checks.length === 0 ? undefined : and(...checks);
}

/** What a new instance's row holds besides the machine itself. */
export type InstanceBookkeeping = Omit<
  NewInstanceRow,
  "id" | "instanceType" | "availabilityZone" | "subnetId" | "isSpot" | "state"
>;

/**
 * The row of a machine a launch just gave, pending until it boots. The
 * provider's size, zone and slot go in the `instance_type`,
 * `availability_zone` and `subnet_id` columns, named for EC2, the first
 * provider.
 */
export function instanceRowOf(
  machine: LaunchedMachine,
  bookkeeping: InstanceBookkeeping,
): NewInstanceRow {
  return {
    ...bookkeeping,
    id: machine.id,
    instanceType: machine.size,
    availabilityZone: machine.zone,
    subnetId: machine.slot,
    isSpot: machine.isSpot,
    state: "pending",
  };
}

/** States in which a job holds a concurrency slot. */
export const SLOT_STATES: readonly JobState[] = ["claimed", "launching", "starting", "running"];

/** The named queries the launcher asks besides {@link LaunchQueries}; the Store answers them. */
export type LauncherStore = Pick<
  Store,
  | "bindingOf"
  | "saveLaunchTemplate"
  | "markTerminated"
  | "audit"
  | "recordStages"
  | "recordWait"
  | "stoppedPool"
>;

export class LaunchQueries {
  constructor(private readonly store: Pick<Store, "db" | "client">) {}

  /** Jobs in these states, oldest first. */
  async jobsIn(states: readonly JobState[]): Promise<JobRow[]> {
    return await this.store.db.select().from(jobs).where(inArray(jobs.state, [...states]))
      .orderBy(asc(jobs.queuedAt), asc(jobs.id));
  }

  async jobsWithToken(clientToken: string): Promise<JobRow[]> {
    return await this.store.db.select().from(jobs)
      .where(eq(jobs.launchClientToken, clientToken)).orderBy(asc(jobs.id));
  }

  /** Jobs holding a slot, counted per (project, repo, pool). */
  async slotCounts(): Promise<{ projectId: string; repo: string; poolId: string; n: number }[]> {
    const result = await this.store.client.execute({
      sql: `SELECT project_id, repo_full_name, pool_id, count(*) AS n FROM jobs
            WHERE state IN (${SLOT_STATES.map(() => "?").join(", ")})
            GROUP BY project_id, repo_full_name, pool_id`,
      args: [...SLOT_STATES],
    });
    return result.rows.map((row) => ({
      projectId: String(row.project_id ?? ""),
      repo: String(row.repo_full_name),
      poolId: String(row.pool_id ?? ""),
      n: Number(row.n),
    }));
  }

  /** Repos with a cap of their own. */
  async repoCaps(): Promise<Map<string, number>> {
    const rows = await this.store.db.select({ fullName: repos.fullName, cap: repos.cap })
      .from(repos);
    return new Map(
      rows.filter((row) => row.cap !== null).map((row) => [row.fullName, row.cap as number]),
    );
  }

  /** Instances already recorded for a launch (its client token), by id → job. */
  async instancesOfLaunch(clientToken: string): Promise<Map<string, string | null>> {
    const rows = await this.store.db.select({ id: instances.id, jobId: instances.jobId })
      .from(instances).where(eq(instances.clientToken, clientToken));
    return new Map(rows.map((row) => [row.id, row.jobId]));
  }

  /**
   * Applies every step in one round trip; returns the ids of the jobs that
   * moved (the others were no longer in `from`).
   */
  async transitionMany(
    steps: readonly JobStep[],
    at: number,
    extra: readonly InStatement[] = [],
  ): Promise<Set<string>> {
    if (steps.length === 0 && extra.length === 0) return new Set();
    const statements: InStatement[] = [...extra];
    for (const step of steps) {
      const record = transition(step.from, step.to, at, step.reason);
      const update = this.store.db.update(jobs)
        .set({ ...step.patch, state: record.to, updatedAt: at })
        .where(and(eq(jobs.id, step.id), eq(jobs.state, record.from), step.guard) as SQL)
        .toSQL();
      statements.push({ sql: update.sql, args: update.params as never });
      statements.push({
        sql: `INSERT INTO job_transitions (job_id, from_state, to_state, at, reason)
              SELECT ?, ?, ?, ?, ? WHERE changes() = 1`,
        args: [step.id, record.from, record.to, at, record.reason ?? null],
      });
    }
    const results = await this.store.client.batch(statements, "write");
    const moved = new Set<string>();
    steps.forEach((step, i) => {
      if (results[extra.length + 2 * i].rowsAffected === 1) moved.add(step.id);
    });
    return moved;
  }

  /**
   * Makes `coreId` the owner of jobs another core claimed and then left alone;
   * each moves only if nobody touched it since it was read, so of two cores
   * taking over at once exactly one gets it. Returns the ids taken.
   */
  async takeOver(rows: readonly JobRow[], coreId: string, at: number): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const results = await this.store.client.batch(
      rows.map((row) => ({
        sql: `UPDATE jobs SET claimed_by = ?, updated_at = ?
              WHERE id = ? AND state = ? AND updated_at = ? AND claimed_by IS ?`,
        args: [coreId, at, row.id, row.state, row.updatedAt, row.claimedBy],
      })),
      "write",
    );
    return new Set(rows.filter((_, i) => results[i].rowsAffected === 1).map((row) => row.id));
  }

  /**
   * Gives up `coreId`'s claims on jobs it has not launched yet or whose call
   * waits to be replayed (shutting down): any core may take them at once.
   */
  async releaseClaims(coreId: string, at: number): Promise<number> {
    const result = await this.store.client.execute({
      sql: `UPDATE jobs SET claimed_by = NULL, updated_at = ?
            WHERE claimed_by = ? AND state IN ('claimed', 'launching')`,
      args: [at, coreId],
    });
    return result.rowsAffected;
  }

  /** One audit row per dropped job, with why, in one write. */
  async auditDrops(drops: readonly { id: string; reason?: string }[], at: number): Promise<void> {
    if (drops.length === 0) return;
    await this.store.db.insert(auditEvents).values(drops.map((drop) => ({
      at,
      actor: "core",
      action: "job.dropped",
      target: drop.id,
      outcome: "failed" as const,
      payload: { reason: drop.reason ?? "dropped" },
      dedupeKey: crypto.randomUUID(),
    })));
  }

  /** Records launched instances now (each ignored if already recorded). */
  async recordInstances(rows: readonly NewInstanceRow[]): Promise<void> {
    const statements = this.insertInstances(rows);
    if (statements.length > 0) await this.store.client.batch(statements, "write");
  }

  /** Statements naming the runner registered for each instance, and where it registered. */
  setInstanceRunners(
    rows: readonly { instanceId: string; runnerName: string; runnerScope: "repo" | "org" }[],
  ): InStatement[] {
    return rows.map((row) => {
      const update = this.store.db.update(instances)
        .set({ runnerName: row.runnerName, runnerScope: row.runnerScope })
        .where(eq(instances.id, row.instanceId)).toSQL();
      return { sql: update.sql, args: update.params as never };
    });
  }

  /** The statement recording launched instances (ignored if already recorded). */
  insertInstances(rows: readonly NewInstanceRow[]): InStatement[] {
    if (rows.length === 0) return [];
    const insert = this.store.db.insert(instances).values([...rows]).onConflictDoNothing().toSQL();
    return [{ sql: insert.sql, args: insert.params as never }];
  }
}
