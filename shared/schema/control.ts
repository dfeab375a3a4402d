/**
 * The control API (`/api/v1/runners`, `/api/v1/jobs/:id/cancel|retry`,
 * `/api/v1/pools/:id/drain|resume`, `/api/v1/control/*`) and the core's
 * control call (`POST /core/v1/control`), which carries the actions to the
 * core, the holds on launching, and the core's metrics and liveness back.
 *
 * @module
 */
import { z } from "zod";

const EpochMs = z.number().int().nonnegative();

/** What an operator asks a core to do to one machine or job. */
export const CONTROL_ACTION_KINDS = ["terminate", "cancel", "retry"] as const;
export type ControlActionKind = typeof CONTROL_ACTION_KINDS[number];

/** One recorded action and how far it got. */
export const ActionView = z.object({
  id: z.number().int(),
  kind: z.enum(CONTROL_ACTION_KINDS),
  target: z.string(),
  isForced: z.boolean(),
  requestedBy: z.string(),
  requestedAt: EpochMs,
  state: z.enum(["pending", "done", "failed"]),
  claimedBy: z.string().nullable(),
  doneAt: EpochMs.nullable(),
  result: z.string().nullable(),
});
export type ActionView = z.infer<typeof ActionView>;

/**
 * What a control request did: `queued` an action for a core, found one
 * `pending` already, `held`/`released` launching, or `nothing` (already so).
 */
export const ControlOutcome = z.object({
  did: z.enum(["queued", "pending", "held", "released", "nothing"]),
  message: z.string(),
  action: ActionView.nullable(),
});
export type ControlOutcome = z.infer<typeof ControlOutcome>;

/** Body of `POST /api/v1/runners/:id/terminate`. */
export const TerminateRequest = z.object({
  /** Terminate even though the machine runs a job (the job fails). */
  force: z.boolean().default(false),
}).strict();
export type TerminateRequest = z.infer<typeof TerminateRequest>;

/** Body of the other control POSTs: nothing to say. */
export const EmptyRequest = z.object({}).strict();

/** Query of `GET /api/v1/runners`. */
export const RunnersQuery = z.object({
  /** `live` (default): machines not yet terminated; `all`: the last `limit` too. */
  state: z.enum(["live", "all"]).default("live"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type RunnersQuery = z.infer<typeof RunnersQuery>;

/** A machine (and its runner) as the control API lists it. */
export const MachineView = z.object({
  id: z.string(),
  provider: z.string(),
  pool: z.string().nullable(),
  poolId: z.string().nullable(),
  state: z.string(),
  jobId: z.string().nullable(),
  jobState: z.string().nullable(),
  runnerName: z.string().nullable(),
  instanceType: z.string().nullable(),
  isSpot: z.boolean(),
  launchedAt: EpochMs,
  terminatedAt: EpochMs.nullable(),
  ageSeconds: z.number().int().nonnegative(),
  priceUsdPerHour: z.number().nullable(),
  /** Price × time up to now (or termination); null when the machine had no quote. */
  costUsd: z.number().nullable(),
});
export type MachineView = z.infer<typeof MachineView>;

/** A core as the edge last heard of it. */
export const CoreHealthView = z.object({
  coreId: z.string(),
  version: z.string().nullable(),
  seenAt: EpochMs,
  leasedAt: EpochMs.nullable(),
  isDown: z.boolean(),
  /** Seconds since its last lease (or, never having leased, since it last called). */
  downForSeconds: z.number().int().nonnegative().nullable(),
});
export type CoreHealthView = z.infer<typeof CoreHealthView>;

/** `GET /api/v1/runners`. */
export const RunnersResponse = z.object({ machines: z.array(MachineView) });
/** The machines list. */
export type RunnersResponse = z.infer<typeof RunnersResponse>;

/** `GET /api/v1/control/actions/:id`. */
export const ActionResponse = z.object({ action: ActionView });
/** One action. */
export type ActionResponse = z.infer<typeof ActionResponse>;

/** `GET /api/v1/control`: the holds on launching, and the cores. */
export const ControlStateView = z.object({
  paused: z.object({ heldBy: z.string(), heldAt: EpochMs }).nullable(),
  drained: z.array(z.object({
    poolId: z.string(),
    pool: z.string().nullable(),
    heldBy: z.string(),
    heldAt: EpochMs,
  })),
  cores: z.array(CoreHealthView),
});
export type ControlStateView = z.infer<typeof ControlStateView>;

/** What a core did with an action it was handed. */
export const ActionResult = z.object({
  id: z.number().int(),
  outcome: z.enum(["done", "failed"]),
  result: z.string().max(1000),
});
export type ActionResult = z.infer<typeof ActionResult>;

/**
 * Values one family may carry: the stage histogram has 13 per pool and stage
 * (10 buckets, +Inf, sum and count), 104 per pool; room for about 90 pools.
 */
export const MAX_METRIC_VALUES = 10_000;

/** One metric family as prom-client's `getMetricsAsJSON()` gives it. */
export const MetricFamily = z.object({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).max(200),
  help: z.string().max(1000),
  type: z.enum(["counter", "gauge", "histogram", "summary"]),
  aggregator: z.enum(["sum", "first", "min", "max", "average", "omit"]).optional(),
  values: z.array(z.object({
    value: z.number(),
    labels: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
    metricName: z.string().max(200).optional(),
  })).max(MAX_METRIC_VALUES),
});
export type MetricFamily = z.infer<typeof MetricFamily>;

/** Body of `POST /core/v1/control`. */
export const ControlCall = z.object({
  version: z.string().max(64),
  /** Milliseconds since the core's last answered lease; null before its first. */
  leaseAgeMs: z.number().int().nonnegative().nullable(),
  /** The core's metrics, as prom-client's `getMetricsAsJSON()` gives them. */
  metrics: z.array(MetricFamily).max(200),
  results: z.array(ActionResult).max(100).default([]),
});
export type ControlCall = z.infer<typeof ControlCall>;

/** An action handed to a core. */
export const HandedAction = z.object({
  id: z.number().int(),
  kind: z.enum(CONTROL_ACTION_KINDS),
  target: z.string(),
  isForced: z.boolean(),
  requestedBy: z.string(),
});
export type HandedAction = z.infer<typeof HandedAction>;

/** Answer of `POST /core/v1/control`. */
export const ControlAnswer = z.object({
  /** `isPaused`: no launches at all; `drainedPools`: no launches for these pool ids. */
  holds: z.object({ isPaused: z.boolean(), drainedPools: z.array(z.string()) }),
  actions: z.array(HandedAction),
});
export type ControlAnswer = z.infer<typeof ControlAnswer>;

/** The hold scope that pauses all launching. */
export const PAUSE_SCOPE = "all";
