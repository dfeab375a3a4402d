/**
 * The control API's reads and writes in libSQL: machines with their job and
 * cost, recorded actions, holds on launching, and the cores' heartbeats.
 */
import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import {
  controlActions,
  coreHeartbeats,
  instances,
  jobs,
  launchHolds,
  pools,
} from "../../shared/db/schema.ts";
import {
  type ActionResult,
  type ActionView,
  type ControlActionKind,
  type HandedAction,
  type MachineView,
  type MetricFamily,
  PAUSE_SCOPE,
} from "../../shared/schema/control.ts";
import type { Database } from "../api/database.ts";

/** A claimed action with no answer for this long is handed to a core again. */
const RECLAIM_AFTER_MS = 60_000;
/** Most actions handed out per control call. */
const ACTIONS_PER_CALL = 20;

/** Machines, newest first: the live ones, or the last `limit` of all. */
export async function listMachines(
  db: Database,
  options: { isLiveOnly: boolean; limit: number; now: number },
): Promise<MachineView[]> {
  const rows = await db.select({ instance: instances, pool: pools.name, jobState: jobs.state })
    .from(instances)
    .leftJoin(pools, eq(pools.id, instances.poolId))
    .leftJoin(jobs, eq(jobs.id, instances.jobId))
    .where(options.isLiveOnly ? isNull(instances.terminatedAt) : undefined)
    .orderBy(desc(instances.launchedAt), desc(instances.id))
    .limit(options.limit);
  return rows.map(({ instance, pool, jobState }) =>
    machineViewOf(instance, pool, jobState, options.now)
  );
}

function machineViewOf(
  instance: typeof instances.$inferSelect,
  pool: string | null,
  jobState: string | null,
  now: number,
): MachineView {
  const end = instance.terminatedAt ?? now;
  const ageMs = Math.max(0, end - instance.launchedAt);
  return {
    id: instance.id,
    provider: "ec2",
    pool,
    poolId: instance.poolId,
    state: instance.state,
    jobId: instance.jobId,
    jobState,
    runnerName: instance.runnerName,
    instanceType: instance.instanceType,
    isSpot: instance.isSpot,
    launchedAt: instance.launchedAt,
    terminatedAt: instance.terminatedAt,
    ageSeconds: Math.floor(ageMs / 1000),
    priceUsdPerHour: instance.priceUsdPerHour,
    costUsd: instance.priceUsdPerHour === null
      ? null
      : Math.round(instance.priceUsdPerHour * ageMs / 3600_000 * 1e6) / 1e6,
  };
}

/** One machine, and the job running on it (if any), or null when unknown. */
export async function machineOf(
  db: Database,
  id: string,
): Promise<{ terminatedAt: number | null; runningJobId: string | null } | null> {
  const [instance] = await db.select({ terminatedAt: instances.terminatedAt }).from(instances)
    .where(eq(instances.id, id));
  if (!instance) return null;
  const [running] = await db.select({ id: jobs.id }).from(jobs)
    .where(and(eq(jobs.instanceId, id), eq(jobs.state, "running")));
  return { terminatedAt: instance.terminatedAt, runningJobId: running?.id ?? null };
}

/** A job's state and machine, or null when unknown. */
export async function jobStateOf(
  db: Database,
  id: string,
): Promise<{ state: string; instanceId: string | null } | null> {
  const [job] = await db.select({ state: jobs.state, instanceId: jobs.instanceId }).from(jobs)
    .where(eq(jobs.id, id));
  return job ?? null;
}

/** Whether a pool exists. */
export async function isPool(db: Database, id: string): Promise<boolean> {
  const [pool] = await db.select({ id: pools.id }).from(pools).where(eq(pools.id, id));
  return pool !== undefined;
}

/**
 * Records an action, or returns the one already pending for the same kind
 * and target (`isNew` false), so a repeated request changes nothing.
 */
export async function recordAction(
  db: Database,
  action: { kind: ControlActionKind; target: string; isForced: boolean; requestedBy: string },
  at: number,
): Promise<{ action: ActionView; isNew: boolean }> {
  const inserted = await db.insert(controlActions).values({ ...action, requestedAt: at })
    .onConflictDoNothing().returning();
  if (inserted[0]) return { action: actionViewOf(inserted[0]), isNew: true };
  const [pending] = await db.select().from(controlActions).where(and(
    eq(controlActions.kind, action.kind),
    eq(controlActions.target, action.target),
    eq(controlActions.state, "pending"),
  ));
  return { action: actionViewOf(pending), isNew: false };
}

/** The newest action of `kind` on `target` a core carried out, if any. */
export async function lastDoneAction(
  db: Database,
  kind: ControlActionKind,
  target: string,
): Promise<ActionView | null> {
  const [row] = await db.select().from(controlActions).where(and(
    eq(controlActions.kind, kind),
    eq(controlActions.target, target),
    eq(controlActions.state, "done"),
  )).orderBy(desc(controlActions.id)).limit(1);
  return row ? actionViewOf(row) : null;
}

export async function actionOf(db: Database, id: number): Promise<ActionView | null> {
  const [row] = await db.select().from(controlActions).where(eq(controlActions.id, id));
  return row ? actionViewOf(row) : null;
}

function actionViewOf(row: typeof controlActions.$inferSelect): ActionView {
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    isForced: row.isForced,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt,
    state: row.state,
    claimedBy: row.claimedBy,
    doneAt: row.doneAt,
    result: row.result,
  };
}

/** Holds launching under `scope` (a pool id, or `all`); false when it was held already. */
export async function hold(
  db: Database,
  scope: string,
  heldBy: string,
  at: number,
): Promise<boolean> {
  const rows = await db.insert(launchHolds).values({ scope, heldBy, heldAt: at })
    .onConflictDoNothing().returning({ scope: launchHolds.scope });
  return rows.length > 0;
}

/** Lifts the hold on `scope`; false when there was none. */
export async function release(db: Database, scope: string): Promise<boolean> {
  const rows = await db.delete(launchHolds).where(eq(launchHolds.scope, scope))
    .returning({ scope: launchHolds.scope });
  return rows.length > 0;
}

/** Every hold, with its pool's name. */
export async function holds(db: Database) {
  return await db.select({
    scope: launchHolds.scope,
    heldBy: launchHolds.heldBy,
    heldAt: launchHolds.heldAt,
    pool: pools.name,
  }).from(launchHolds).leftJoin(pools, eq(pools.id, launchHolds.scope))
    .orderBy(launchHolds.heldAt);
}

/**
 * One core's control call: records its heartbeat and metrics and the results
 * it brought, and claims the actions for it to carry out (pending ones nobody
 * holds, or whose holder has not answered for a minute). One batch, one
 * round trip.
 */
export async function answerCore(
  db: Database,
  call: {
    coreId: string;
    version: string;
    leasedAt: number | null;
    metrics: MetricFamily[];
    results: readonly ActionResult[];
  },
  now: number,
): Promise<{ actions: HandedAction[]; isPaused: boolean; drainedPools: string[] }> {
  const beat = {
    coreId: call.coreId,
    version: call.version,
    seenAt: now,
    leasedAt: call.leasedAt,
    metrics: call.metrics,
  };
  const settle = call.results.map((result) =>
    db.update(controlActions).set({ state: result.outcome, result: result.result, doneAt: now })
      .where(and(eq(controlActions.id, result.id), eq(controlActions.state, "pending")))
  );
  const [, claimed, held] = await db.batch([
    db.insert(coreHeartbeats).values(beat).onConflictDoUpdate({
      target: coreHeartbeats.coreId,
      set: {
        version: beat.version,
        seenAt: beat.seenAt,
        leasedAt: beat.leasedAt,
        metrics: beat.metrics,
      },
    }),
    db.update(controlActions).set({ claimedBy: call.coreId, claimedAt: now }).where(and(
      eq(controlActions.state, "pending"),
      inArray(
        controlActions.id,
        db.select({ id: controlActions.id }).from(controlActions).where(and(
          eq(controlActions.state, "pending"),
          or(
            isNull(controlActions.claimedAt),
            lt(controlActions.claimedAt, now - RECLAIM_AFTER_MS),
          ),
          // Not one this call just settled.
          call.results.length > 0
            ? sql`${controlActions.id} NOT IN (${
              sql.join(call.results.map((r) => sql`${r.id}`), sql`, `)
            })`
            : undefined,
        )).orderBy(controlActions.id).limit(ACTIONS_PER_CALL),
      ),
    )).returning(),
    db.select({ scope: launchHolds.scope }).from(launchHolds),
    ...settle,
  ]);
  return {
    actions: claimed.map((row) => ({
      id: row.id,
      kind: row.kind,
      target: row.target,
      isForced: row.isForced,
      requestedBy: row.requestedBy,
    })),
    isPaused: held.some((h) => h.scope === PAUSE_SCOPE),
    drainedPools: held.filter((h) => h.scope !== PAUSE_SCOPE).map((h) => h.scope),
  };
}

/** Every core's last heartbeat, with its metrics. */
export async function heartbeats(db: Database) {
  return await db.select().from(coreHeartbeats).orderBy(coreHeartbeats.coreId);
}

/** Every core's last heartbeat, without its metrics (health views). */
export async function coreBeats(db: Database) {
  return await db.select({
    coreId: coreHeartbeats.coreId,
    version: coreHeartbeats.version,
    seenAt: coreHeartbeats.seenAt,
    leasedAt: coreHeartbeats.leasedAt,
  }).from(coreHeartbeats).orderBy(coreHeartbeats.coreId);
}
