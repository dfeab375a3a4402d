/**
 * The core's state in libSQL. Every write is idempotent: inserts ignore rows
 * that exist, and a job moves only from the state the caller saw, so a
 * redelivered event or a restarted core never applies a step twice.
 */
import type { Client } from "@libsql/client";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import {
  auditEvents,
  instances,
  jobs,
  jobTransitions,
  pools,
  projects,
  repos,
} from "../../shared/db/schema.ts";
import { type JobState, transition } from "../../shared/job_state.ts";
import type { JobStage } from "../../shared/job_stages.ts";
import type { Database } from "./database.ts";
import { LaunchQueries } from "./launch_queries.ts";
import { pendingJobs, reapableInstances, terminatedInBooks } from "./reap_queries.ts";
import { ReconcileQueries } from "./reconcile_queries.ts";
import { StageQueries, stageStatements } from "./stage_queries.ts";
import {
  type InterruptionStore,
  SpotRetryQueries,
  type SpotRetryStore,
} from "./spot_retry_queries.ts";
import { WarmPoolQueries } from "./warm_pool_queries.ts";
import { StoppedPoolQueries } from "./stopped_pool_queries.ts";
import { WarmDecisionQueries } from "./warm_decision_queries.ts";

export type ProjectRow = typeof projects.$inferSelect;
export type PoolRow = typeof pools.$inferSelect;
export type RepoRow = typeof repos.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
export type InstanceRow = typeof instances.$inferSelect;
export type NewInstanceRow = typeof instances.$inferInsert;
export type JobPatch = Partial<Omit<JobRow, "id" | "state">>;

/** A repo's binding: its project and that project's pools. */
export interface Binding {
  project: ProjectRow;
  repo: RepoRow;
  pools: PoolRow[];
}

/** What differs between a plain libSQL client and one behind the outage buffer. */
export interface StoreOptions {
  /**
   * Whether reads are answered by a local mirror because libSQL is
   * unreachable (the outage buffer); such a mirror cannot know what another
   * core wrote. Always false for a plain client.
   */
  isOffline?: () => boolean;
}

/**
 * The core's books. Besides its own queries it answers the named queries of
 * each loop (the reaper's, the warm pool's, spot re-runs', the reconciler's),
 * whose SQL sits in the module named beside each; a loop depends only on the
 * small interface declared there (`ReaperStore`, `WarmPoolStore`,
 * `SpotRetryStore`, `ReconcilerStore`).
 */
export class Store {
  /** Whether reads come from the outage buffer's local mirror right now. */
  readonly isOffline: () => boolean;
  readonly #launches = new LaunchQueries(this);
  readonly #warm = new WarmPoolQueries(this);
  readonly #spot = new SpotRetryQueries(this);
  readonly #reconcile = new ReconcileQueries(this);
  readonly #stages = new StageQueries(this);
  /** The stopped warm pool's queries (stopped_pool_queries.ts), for the launcher and its tick. */
  readonly stoppedPool = new StoppedPoolQueries(this);
  /** Warm sizing's queries (warm_decision_queries.ts): pools' warm fields, each kind's decision. */
  readonly warmDecisions = new WarmDecisionQueries(this);

  constructor(readonly client: Client, readonly db: Database, options: StoreOptions = {}) {
    this.isOffline = options.isOffline ?? (() => false);
  }

  // The reaper's queries (reap_queries.ts).
  readonly reapableInstances = (defaultMaxRuntimeMinutes: number) =>
    reapableInstances(this, defaultMaxRuntimeMinutes);
  readonly pendingJobs = () => pendingJobs(this);
  readonly terminatedInBooks = (ids: readonly string[]) => terminatedInBooks(this, ids);

  // The warm pool's queries (warm_pool_queries.ts, launch_queries.ts).
  readonly adoptFreedLaunches = () => this.#warm.adoptFreedLaunches();
  readonly warmTargets = () => this.#warm.targets();
  // A job's stages and waits (stage_queries.ts).
  readonly recordStages: StageQueries["recordStages"] = (jobIds, stages) =>
    this.#stages.recordStages(jobIds, stages);
  readonly recordWait: StageQueries["recordWait"] = (jobIds, reason, at) =>
    this.#stages.recordWait(jobIds, reason, at);
  readonly stageRecordOf = (jobId: string) => this.#stages.recordOf(jobId);
  readonly warmRunners = () => this.#warm.runners();
  readonly warmLaunchesSoFar = (poolId: string, repo: string) =>
    this.#warm.launchesSoFar(poolId, repo);
  readonly instancesOfLaunch = (clientToken: string) =>
    this.#launches.instancesOfLaunch(clientToken);

  // Spot interruptions' and re-runs' queries (spot_retry_queries.ts).
  readonly jobRunningOn = (instanceId: string) => this.#spot.jobRunningOn(instanceId);
  readonly markJobInterrupted = (jobId: string, at: number) =>
    this.#spot.markInterrupted(jobId, at);
  readonly retryOf = (jobId: string) => this.#spot.retryOf(jobId);
  readonly isRetrySettled = (jobId: string) => this.#spot.isSettled(jobId);
  readonly auditRetryOutcome: SpotRetryQueries["auditFinal"] = (event) =>
    this.#spot.auditFinal(event);
  readonly waitingRetriesOfRun: SpotRetryQueries["waitingRetriesOfRun"] = (run, queuedSince) =>
    this.#spot.waitingRetriesOfRun(run, queuedSince);
  readonly waitingRetriesSince = (updatedSince: number) =>
    this.#spot.waitingRetriesSince(updatedSince);
  readonly markRetry: SpotRetryQueries["markRetry"] = (id, marks) =>
    this.#spot.markRetry(id, marks);

  // The reconciler's queries (reconcile_queries.ts).
  readonly boundRepos = () => this.#reconcile.boundRepos();
  readonly scopedOrgs = () => this.#reconcile.scopedOrgs();
  readonly knownJobIds = (ids: readonly string[]) => this.#reconcile.knownJobIds(ids);
  readonly openJobs = () => this.#reconcile.openJobs();

  /**
   * The repo's own binding, else the project whose org scope is the repo's
   * owner (with a stand-in repo: no cap override, no tags), else null.
   */
  async bindingOf(repoFullName: string): Promise<Binding | null> {
    const fullName = repoFullName.toLowerCase();
    const owner = fullName.split("/")[0] ?? "";
    const ofOwner = sql`${owner} <> '' AND lower(${projects.org}) = ${owner}`;
    // One round trip (it stands before every launch): the repo's own binding, the project
    // scoped to its owner, and both projects' pools.
    const [bound, orgProjects, candidatePools] = await this.db.batch([
      this.db.select({ repo: repos, project: projects }).from(repos)
        .innerJoin(projects, eq(projects.id, repos.projectId))
        .where(eq(repos.fullName, fullName)),
      this.db.select().from(projects).where(ofOwner),
      this.db.select().from(pools).where(
        inArray(
          pools.projectId,
          sql`(SELECT ${repos.projectId} FROM ${repos} WHERE ${repos.fullName} = ${fullName}
               UNION SELECT ${projects.id} FROM ${projects} WHERE ${ofOwner})`,
        ),
      ).orderBy(sql`rowid`),
    ]);
    const row = bound[0] ?? orgScopeOf(fullName, orgProjects[0]);
    if (!row) return null;
    return { ...row, pools: candidatePools.filter((pool) => pool.projectId === row.project.id) };
  }

  async job(id: string): Promise<JobRow | null> {
    const [row] = await this.db.select().from(jobs).where(eq(jobs.id, id));
    return row ?? null;
  }

  /** Inserts a job in its first state; returns false if it already existed. */
  async insertJob(row: NewJobRow, at: number, reason?: string): Promise<boolean> {
    const [isInserted] = await this.insertJobs([{ row, at, reason }]);
    return isInserted;
  }

  /**
   * Inserts jobs in one transaction, each with the stages it has passed
   * (stage_queries.ts); per job, whether it was new.
   */
  async insertJobs(
    entries: readonly {
      row: NewJobRow;
      at: number;
      reason?: string;
      stages?: Partial<Record<JobStage, number>>;
    }[],
  ): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const insertAt: number[] = [];
    let statementCount = 0;
    const statements = entries.flatMap(({ row, at, reason, stages }) => {
      const insert = this.db.insert(jobs).values(row).onConflictDoNothing().toSQL();
      insertAt.push(statementCount);
      const mine = [
        { sql: insert.sql, args: insert.params as never },
        {
          sql: `INSERT INTO job_transitions (job_id, from_state, to_state, at, reason)
                SELECT ?, NULL, ?, ?, ? WHERE changes() = 1`,
          args: [row.id, row.state, at, reason ?? null],
        },
        ...stageStatements([row.id], stages ?? {}),
      ];
      statementCount += mine.length;
      return mine;
    });
    const results = await this.client.batch(statements, "write");
    return insertAt.map((index) => results[index].rowsAffected === 1);
  }

  /**
   * Moves a job from `from` to `to` (legal per the state machine), applying
   * `patch`, only if it is still in `from`. Returns false when another event
   * or core got there first.
   */
  async transitionJob(
    id: string,
    step: { from: JobState; to: JobState; at: number; reason?: string },
    patch: JobPatch = {},
  ): Promise<boolean> {
    const record = transition(step.from, step.to, step.at, step.reason);
    const update = this.db.update(jobs)
      .set({ ...patch, state: record.to, updatedAt: record.at })
      .where(and(eq(jobs.id, id), eq(jobs.state, record.from)))
      .toSQL();
    const [result] = await this.client.batch([
      { sql: update.sql, args: update.params as never },
      {
        sql: `INSERT INTO job_transitions (job_id, from_state, to_state, at, reason)
              SELECT ?, ?, ?, ?, ? WHERE changes() = 1`,
        args: [id, record.from, record.to, record.at, record.reason ?? null],
      },
    ], "write");
    return result.rowsAffected === 1;
  }

  async transitionsOf(jobId: string) {
    return await this.db.select().from(jobTransitions).where(eq(jobTransitions.jobId, jobId))
      .orderBy(jobTransitions.id);
  }

  async recordInstances(rows: NewInstanceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert(instances).values(rows).onConflictDoNothing();
  }

  async instanceByRunnerName(runnerName: string): Promise<InstanceRow | null> {
    const [row] = await this.db.select().from(instances).where(
      eq(instances.runnerName, runnerName),
    );
    return row ?? null;
  }

  async markTerminated(ids: string[], reason: string, at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.update(instances)
      .set({ state: "terminated", terminatedAt: at, terminationReason: reason })
      .where(and(inArray(instances.id, ids), isNull(instances.terminatedAt)));
  }

  /** Whether the database has ever recorded these instances. */
  async knownInstanceIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // Offline, the local mirror cannot know what another core launched: call nothing an orphan.
    if (this.isOffline()) return new Set(ids);
    const rows = await this.db.select({ id: instances.id }).from(instances)
      .where(inArray(instances.id, [...ids]));
    return new Set(rows.map((row) => row.id));
  }

  async saveLaunchTemplate(
    poolId: string,
    template: { id: string; version: number; hash: string },
  ): Promise<void> {
    await this.db.update(pools).set({
      launchTemplateId: template.id,
      launchTemplateVersion: template.version,
      launchTemplateHash: template.hash,
    }).where(eq(pools.id, poolId));
  }

  /** Writes an audit row once, even if the write is replayed after an outage. */
  async audit(event: Omit<typeof auditEvents.$inferInsert, "dedupeKey">): Promise<void> {
    await this.db.insert(auditEvents).values({ ...event, dedupeKey: crypto.randomUUID() })
      .onConflictDoNothing();
  }
}

/** The named queries the job-event handler asks (core/scheduler/job_events.ts). */
export type JobEventsStore =
  & Pick<
    Store,
    | "job"
    | "insertJobs"
    | "transitionJob"
    | "instanceByRunnerName"
    | "markTerminated"
    | "audit"
    | "recordStages"
    | "stageRecordOf"
    | "stoppedPool"
  >
  & InterruptionStore
  & SpotRetryStore;

/** A repo no row binds, under the project scoped to its owner. */
function orgScopeOf(
  fullName: string,
  project: ProjectRow | undefined,
): { repo: RepoRow; project: ProjectRow } | null {
  if (!project) return null;
  return {
    project,
    repo: {
      id: `org:${project.id}:${fullName}`,
      fullName,
      projectId: project.id,
      cap: null,
      tags: {},
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
    },
  };
}
