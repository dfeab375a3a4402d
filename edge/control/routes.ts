/**
 * The control API: list machines; terminate one, cancel or retry a job
 * (actions a core carries out, handed over on its control call); drain and
 * resume a pool; pause and resume all launching. Admins only, each change
 * audited, each idempotent: a repeat finds the first request's action or
 * hold and says so (`did`).
 */
import { type Context, Hono } from "hono";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import { coreHealthOf } from "../../shared/core_health.ts";
import {
  ActionResponse,
  type ActionView,
  type ControlActionKind,
  ControlOutcome,
  ControlStateView,
  EmptyRequest,
  PAUSE_SCOPE,
  RunnersQuery,
  RunnersResponse,
  TerminateRequest,
} from "../../shared/schema/control.ts";
import { describe } from "../openapi/describe.ts";
import { actorOf } from "../api/audit_log.ts";
import { auditedWrite } from "../api/audited_write.ts";
import { type Database, databaseOf } from "../api/database.ts";
import { requireOperator } from "../auth/operator_session.ts";
import { nowOf } from "../clock.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, queryOf, readJsonBody } from "../validation.ts";
import {
  actionOf,
  coreBeats,
  hold,
  holds,
  isPool,
  jobStateOf,
  lastDoneAction,
  listMachines,
  machineOf,
  recordAction,
  release,
} from "./control_store.ts";

const admin = requireOperator("admin");

/** Job states in which no machine has been asked for yet: a cancel drops the job. */
const CANCELLABLE = ["queued", "claimed"];

/** A recorded action as a control answer. */
function outcomeOf(recorded: { action: ActionView; isNew: boolean }, what: string): ControlOutcome {
  return recorded.isNew
    ? { did: "queued", message: `${what}: queued for a core`, action: recorded.action }
    : { did: "pending", message: `${what}: already queued`, action: recorded.action };
}

function nothing(message: string, action: ActionView | null = null): ControlOutcome {
  return { did: "nothing", message, action };
}

/** 202 for a new action a core has yet to carry out, 200 for everything else. */
const statusOf = (outcome: ControlOutcome) => outcome.did === "queued" ? 202 : 200;

async function requestAction(
  db: Database,
  request: { kind: ControlActionKind; target: string; isForced?: boolean; by: string },
  at: number,
) {
  return await recordAction(db, {
    kind: request.kind,
    target: request.target,
    isForced: request.isForced ?? false,
    requestedBy: request.by,
  }, at);
}

async function terminate(
  db: Database,
  request: { id: string; force: boolean; by: string },
  now: number,
): Promise<ControlOutcome> {
  const machine = await machineOf(db, request.id);
  if (!machine) throw new NotFoundError(`no machine ${request.id}`);
  if (machine.terminatedAt !== null) return nothing(`${request.id} is already terminated`);
  if (machine.runningJobId !== null && !request.force) {
    throw new ConflictError(
      `${request.id} is running job ${machine.runningJobId}; pass force to terminate it anyway`,
    );
  }
  const recorded = await requestAction(db, {
    kind: "terminate",
    target: request.id,
    isForced: request.force,
    by: request.by,
  }, now);
  return outcomeOf(recorded, `terminate ${request.id}`);
}

async function cancel(db: Database, id: string, by: string, now: number) {
  const job = await jobStateOf(db, id);
  if (!job) throw new NotFoundError(`no job ${id}`);
  if (job.state === "cancelled") return nothing(`job ${id} is already cancelled`);
  if (!CANCELLABLE.includes(job.state)) {
    throw new ConflictError(
      `job ${id} is ${job.state}: only a job not yet launching can be cancelled`,
    );
  }
  return outcomeOf(
    await requestAction(db, { kind: "cancel", target: id, by }, now),
    `cancel job ${id}`,
  );
}

async function retry(db: Database, id: string, by: string, now: number) {
  const job = await jobStateOf(db, id);
  if (!job) throw new NotFoundError(`no job ${id}`);
  if (job.state !== "failed") {
    const done = await lastDoneAction(db, "retry", id);
    if (done) return nothing(`job ${id} was retried already (now ${job.state})`, done);
    throw new ConflictError(`job ${id} is ${job.state}: only a failed launch can be retried`);
  }
  if (job.instanceId !== null) {
    throw new ConflictError(
      `job ${id} failed on machine ${job.instanceId}: re-run it in GitHub; only a failed launch is retried here`,
    );
  }
  return outcomeOf(
    await requestAction(db, { kind: "retry", target: id, by }, now),
    `retry job ${id}`,
  );
}

async function holdOrRelease(
  db: Database,
  request: { scope: string; isHeld: boolean; by: string; what: string },
  now: number,
): Promise<ControlOutcome> {
  if (request.isHeld) {
    return await hold(db, request.scope, request.by, now)
      ? { did: "held", message: `${request.what}: held`, action: null }
      : nothing(`${request.what}: already held`);
  }
  return await release(db, request.scope)
    ? { did: "released", message: `${request.what}: released`, action: null }
    : nothing(`${request.what}: was not held`);
}

/** Audits an answer: its `did`, plus the action's id when it recorded one. */
const auditOf = (target: string) => (outcome: ControlOutcome) => ({
  target,
  payload: { did: outcome.did, ...(outcome.action ? { actionId: outcome.action.id } : {}) },
});

/** Each route's entry in the OpenAPI document. */
const docs = {
  runners: describe({
    summary: "Machines across providers: state, job, age and cost",
    access: "viewer",
    responses: { 200: RunnersResponse },
  }),
  terminate: describe({
    summary: "Deregister a machine's runner, then terminate it (a core carries it out; audited)",
    access: "admin",
    responses: { 200: ControlOutcome, 202: ControlOutcome },
    refusals: [404, 409],
  }),
  cancel: describe({
    summary: "Cancel a job that has not started (audited)",
    access: "admin",
    responses: { 200: ControlOutcome, 202: ControlOutcome },
    refusals: [404, 409],
  }),
  retry: describe({
    summary: "Queue a failed launch again (audited)",
    access: "admin",
    responses: { 200: ControlOutcome, 202: ControlOutcome },
    refusals: [404, 409],
  }),
  drain: describe({
    summary: "Stop new launches for a pool; running jobs finish (audited)",
    access: "admin",
    responses: { 200: ControlOutcome },
    refusals: [404],
  }),
  resumePool: describe({
    summary: "Let a drained pool launch again (audited)",
    access: "admin",
    responses: { 200: ControlOutcome },
    refusals: [404],
  }),
  pause: describe({
    summary: "Pause all launching (audited)",
    access: "admin",
    responses: { 200: ControlOutcome },
  }),
  resume: describe({
    summary: "Resume all launching (audited)",
    access: "admin",
    responses: { 200: ControlOutcome },
  }),
  state: describe({
    summary: "The holds on launching and each core's health",
    access: "viewer",
    responses: { 200: ControlStateView },
  }),
  action: describe({
    summary: "One control action and what the core did with it",
    access: "viewer",
    responses: { 200: ActionResponse },
    refusals: [404],
  }),
};

/**
 * Holds or releases launching for one pool (a drain) or for all of them
 * (PAUSE_SCOPE), audited; a pool that does not exist is a 404.
 */
async function holdAudited(
  c: Context<AppEnv>,
  change: { action: string; scope: string; isHeld: boolean },
) {
  const { scope, isHeld } = change;
  const by = actorOf(c.get("operator"));
  const what = scope === PAUSE_SCOPE ? "all launching" : `pool ${scope}`;
  return await auditedWrite(c, {
    action: change.action,
    write: async (db) => {
      if (scope !== PAUSE_SCOPE && !await isPool(db, scope)) {
        throw new NotFoundError(`no pool ${scope}`);
      }
      return await holdOrRelease(db, { scope, isHeld, by, what }, nowOf(c.env));
    },
    audit: auditOf(scope),
  });
}

export const controlRoutes = new Hono<AppEnv>()
  .use("/api/v1/runners/*", readJsonBody)
  .use("/api/v1/control/*", readJsonBody)
  .use("/api/v1/jobs/*", readJsonBody)
  .get("/api/v1/runners", docs.runners, queryOf(RunnersQuery), async (c) => {
    const query = c.req.valid("query");
    const machines = await listMachines(databaseOf(c.env), {
      isLiveOnly: query.state === "live",
      limit: query.limit,
      now: nowOf(c.env),
    });
    return c.json({ machines });
  })
  .post(
    "/api/v1/runners/:id/terminate",
    docs.terminate,
    admin,
    jsonBody(TerminateRequest),
    async (c) => {
      const id = c.req.param("id");
      const { force } = c.req.valid("json");
      const by = actorOf(c.get("operator"));
      const outcome = await auditedWrite(c, {
        action: "machine.terminate",
        write: (db) => terminate(db, { id, force, by }, nowOf(c.env)),
        audit: (outcome) => ({
          ...auditOf(id)(outcome),
          payload: { ...auditOf(id)(outcome).payload, force },
        }),
      });
      return c.json(outcome, statusOf(outcome));
    },
  )
  .post("/api/v1/jobs/:id/cancel", docs.cancel, admin, jsonBody(EmptyRequest), async (c) => {
    const id = c.req.param("id");
    const by = actorOf(c.get("operator"));
    const outcome = await auditedWrite(c, {
      action: "job.cancel",
      write: (db) => cancel(db, id, by, nowOf(c.env)),
      audit: auditOf(id),
    });
    return c.json(outcome, statusOf(outcome));
  })
  .post("/api/v1/jobs/:id/retry", docs.retry, admin, jsonBody(EmptyRequest), async (c) => {
    const id = c.req.param("id");
    const by = actorOf(c.get("operator"));
    const outcome = await auditedWrite(c, {
      action: "job.retry",
      write: (db) => retry(db, id, by, nowOf(c.env)),
      audit: auditOf(id),
    });
    return c.json(outcome, statusOf(outcome));
  })
  .post("/api/v1/pools/:id/drain", docs.drain, admin, jsonBody(EmptyRequest), async (c) => {
    const id = c.req.param("id");
    return c.json(await holdAudited(c, { action: "pool.drain", scope: id, isHeld: true }));
  })
  .post("/api/v1/pools/:id/resume", docs.resumePool, admin, jsonBody(EmptyRequest), async (c) => {
    const id = c.req.param("id");
    return c.json(await holdAudited(c, { action: "pool.resume", scope: id, isHeld: false }));
  })
  .post("/api/v1/control/pause", docs.pause, admin, jsonBody(EmptyRequest), async (c) => {
    return c.json(
      await holdAudited(c, { action: "launching.pause", scope: PAUSE_SCOPE, isHeld: true }),
    );
  })
  .post("/api/v1/control/resume", docs.resume, admin, jsonBody(EmptyRequest), async (c) => {
    return c.json(
      await holdAudited(c, { action: "launching.resume", scope: PAUSE_SCOPE, isHeld: false }),
    );
  })
  .get("/api/v1/control", docs.state, async (c) => {
    const db = databaseOf(c.env);
    const now = nowOf(c.env);
    const [held, beats] = await Promise.all([holds(db), coreBeats(db)]);
    const paused = held.find((h) => h.scope === PAUSE_SCOPE);
    const state: ControlStateView = {
      paused: paused ? { heldBy: paused.heldBy, heldAt: paused.heldAt } : null,
      drained: held.filter((h) => h.scope !== PAUSE_SCOPE).map((h) => ({
        poolId: h.scope,
        pool: h.pool,
        heldBy: h.heldBy,
        heldAt: h.heldAt,
      })),
      cores: beats.map((beat) => coreHealthOf(beat, now)),
    };
    return c.json(state);
  })
  .get("/api/v1/control/actions/:id", docs.action, async (c) => {
    // Action ids are whole numbers; anything else names no action.
    const id = /^[0-9]+$/.test(c.req.param("id")) ? Number(c.req.param("id")) : null;
    const action = id === null ? null : await actionOf(databaseOf(c.env), id);
    if (!action) throw new NotFoundError(`no action ${c.req.param("id")}`);
    return c.json({ action });
  });
