/**
 * The libSQL schema, shared by the core (writer) and the edge (console reads).
 * Times are epoch milliseconds; lists and tag maps are JSON text.
 * Indexes sit beside the tables whose console queries they serve.
 */
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { EBS_VOLUME_TYPES } from "../root_volume.ts";
import { ALLOCATION_STRATEGIES, SPAWN_METHODS } from "../schema/vocabulary.ts";
import { JOB_STATES } from "../job_state.ts";
import { JOB_STAGES, WAIT_REASONS } from "../job_stages.ts";
import type { MetricFamily } from "../schema/control.ts";
import type { WarmSchedule } from "../launch/warm_schedule.ts";

export { warmDecisions } from "./warm_schema.ts";

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  cap: integer("cap").notNull().default(0),
  tags: json<Record<string, string>>("tags").notNull().default({}),
  isDisabled: integer("is_disabled", { mode: "boolean" }).notNull().default(false),
  /**
   * Lower-cased GitHub owner whose every repository this project takes
   * (scope "org"); null when only its bound repos count. A repo's own
   * binding wins over an org scope.
   */
  org: text("org").unique(),
  /** GitHub runner group of the org-level runners of an org scope; null = 1, the Default group. */
  runnerGroupId: integer("runner_group_id"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const repos = sqliteTable("repos", {
  id: text("id").primaryKey(),
  fullName: text("full_name").notNull().unique(),
  projectId: text("project_id").notNull().references(() => projects.id),
  cap: integer("cap"),
  tags: json<Record<string, string>>("tags").notNull().default({}),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
}, (t) => [index("repos_project_idx").on(t.projectId)]);

/** One column per field of `shared/pool_fields.ts`, named by its API key (pool_fields_test.ts checks). */
export const pools = sqliteTable("pools", {
  id: text("id").primaryKey(),
  projectId: text("project_id").notNull().references(() => projects.id),
  name: text("name").notNull(),
  priority: integer("priority").notNull().default(100),
  isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
  isEnabled: integer("is_enabled", { mode: "boolean" }).notNull().default(true),
  spawn: text("spawn", { enum: SPAWN_METHODS }).notNull().default("fleet"),
  isSpot: integer("is_spot", { mode: "boolean" }).notNull().default(false),
  allocationStrategy: text("allocation_strategy", { enum: ALLOCATION_STRATEGIES }).notNull()
    .default("price-capacity-optimized"),
  ami: text("ami").notNull(),
  runnerPath: text("runner_path"),
  instanceTypes: json<string[]>("instance_types").notNull(),
  subnets: json<string[]>("subnets").notNull(),
  securityGroups: json<string[]>("security_groups").notNull().default([]),
  instanceProfile: text("instance_profile"),
  rootVolumeGb: integer("root_volume_gb").notNull().default(30),
  rootVolumeType: text("root_volume_type", { enum: EBS_VOLUME_TYPES }).notNull().default("gp3"),
  rootVolumeIops: integer("root_volume_iops"),
  rootVolumeThroughput: integer("root_volume_throughput"),
  maxRuntimeMinutes: integer("max_runtime_minutes"),
  minIdle: integer("min_idle").notNull().default(0),
  /** Most idle warm runners per bound repo; null: `min_idle`. */
  maxIdle: integer("max_idle"),
  /** When `min_idle` applies (shared/launch/warm_schedule.ts); null: always. */
  idleSchedule: json<WarmSchedule>("idle_schedule"),
  idleBudgetUsdPerDay: real("idle_budget_usd_per_day"),
  /** Stopped warm instances kept per pool (booted once, runner installed, stopped). */
  stoppedMin: integer("stopped_min").notNull().default(0),
  /** Most stopped warm instances the pool holds; null: `stopped_min`. */
  stoppedMax: integer("stopped_max"),
  stoppedSchedule: json<WarmSchedule>("stopped_schedule"),
  stoppedBudgetUsdPerDay: real("stopped_budget_usd_per_day"),
  cap: integer("cap").notNull().default(0),
  extraLabels: json<string[]>("extra_labels").notNull().default([]),
  tags: json<Record<string, string>>("tags").notNull().default({}),
  launchTemplateId: text("launch_template_id"),
  launchTemplateVersion: integer("launch_template_version"),
  /** Hash of the launch template data last materialised, to skip no-op versions. */
  launchTemplateHash: text("launch_template_hash"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
}, (t) => [uniqueIndex("pools_project_name_idx").on(t.projectId, t.name)]);

export const jobs = sqliteTable("jobs", {
  /** GitHub's workflow job id, as text (unique per attempt). */
  id: text("id").primaryKey(),
  githubJobId: integer("github_job_id").notNull(),
  runId: integer("run_id").notNull(),
  runAttempt: integer("run_attempt").notNull().default(1),
  installationId: integer("installation_id"),
  repoFullName: text("repo_full_name").notNull(),
  workflowName: text("workflow_name"),
  jobName: text("job_name").notNull(),
  branch: text("branch"),
  sha: text("sha").notNull(),
  sender: text("sender"),
  htmlUrl: text("html_url"),
  labels: json<string[]>("labels").notNull(),
  state: text("state", { enum: JOB_STATES }).notNull(),
  /** GitHub's conclusion once completed (success, failure, cancelled, …). */
  conclusion: text("conclusion"),
  projectId: text("project_id"),
  poolId: text("pool_id"),
  /** The runner this job's launch registered; stolen jobs may run elsewhere. */
  runnerName: text("runner_name"),
  /** The instance that actually ran the job (from in_progress's runner_name). */
  instanceId: text("instance_id"),
  launchAttempts: integer("launch_attempts").notNull().default(0),
  launchClientToken: text("launch_client_token"),
  failureReason: text("failure_reason"),
  priceUsdPerHour: real("price_usd_per_hour"),
  costUsd: real("cost_usd"),
  queuedAt: integer("queued_at").notNull(),
  claimedAt: integer("claimed_at"),
  /** The core whose launcher claimed the job; only it resumes the launch, unless it goes quiet. */
  claimedBy: text("claimed_by"),
  launchedAt: integer("launched_at"),
  startedAt: integer("started_at"),
  completedAt: integer("completed_at"),
  updatedAt: integer("updated_at").notNull(),
  /** When a spot interruption (notice or EC2 state) hit the instance running this job. */
  interruptedAt: integer("interrupted_at"),
  /** Spot re-runs spent on this job's line of attempts (bounded by scheduler.spot_retries). */
  spotRetries: integer("spot_retries").notNull().default(0),
  /** A re-run after a spot interruption: launch on-demand whatever the pool says. */
  isForcedOnDemand: integer("is_forced_on_demand", { mode: "boolean" }).notNull().default(false),
  /** The job (previous attempt) whose interruption led to this re-run. */
  retryOfJobId: text("retry_of_job_id"),
}, (t) => [
  index("jobs_queued_at_idx").on(t.queuedAt, t.id),
  index("jobs_state_queued_at_idx").on(t.state, t.queuedAt),
  index("jobs_project_queued_at_idx").on(t.projectId, t.queuedAt),
  index("jobs_pool_queued_at_idx").on(t.poolId, t.queuedAt),
  index("jobs_repo_queued_at_idx").on(t.repoFullName, t.queuedAt),
  index("jobs_runner_name_idx").on(t.runnerName),
  // The reaper and warm pools ask which job is (or was) on an instance.
  index("jobs_instance_idx").on(t.instanceId),
]);

/**
 * When a job passed each stage the core sees (shared/job_stages.ts): the
 * first sighting wins, so a redelivered event does not move it. Stages the
 * jobs row already holds (GitHub's queued time, claim, start) are read from
 * there.
 */
export const jobStages = sqliteTable("job_stages", {
  jobId: text("job_id").notNull(),
  stage: text("stage", { enum: JOB_STAGES }).notNull(),
  at: integer("at").notNull(),
}, (t) => [primaryKey({ columns: [t.jobId, t.stage] })]);

/** Why a job waited, once per reason: first and last seen, and how often. */
export const jobWaits = sqliteTable(
  "job_waits",
  {
    jobId: text("job_id").notNull(),
    reason: text("reason", { enum: WAIT_REASONS }).notNull(),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
    count: integer("count").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.reason] }), index("job_waits_first_idx").on(t.firstAt)],
);

export const jobTransitions = sqliteTable("job_transitions", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  jobId: text("job_id").notNull(),
  fromState: text("from_state"),
  toState: text("to_state").notNull(),
  at: integer("at").notNull(),
  reason: text("reason"),
}, (t) => [index("job_transitions_job_idx").on(t.jobId, t.at)]);

export const instances = sqliteTable("instances", {
  id: text("id").primaryKey(),
  poolId: text("pool_id"),
  /** The job whose launch created this instance (not always the job it ran). */
  jobId: text("job_id"),
  runnerName: text("runner_name"),
  instanceType: text("instance_type"),
  availabilityZone: text("availability_zone"),
  subnetId: text("subnet_id"),
  isSpot: integer("is_spot", { mode: "boolean" }).notNull().default(false),
  priceUsdPerHour: real("price_usd_per_hour"),
  state: text("state").notNull(),
  launchedAt: integer("launched_at").notNull(),
  terminatedAt: integer("terminated_at"),
  terminationReason: text("termination_reason"),
  clientToken: text("client_token"),
  /** Set on a warm runner (launched for no job, min_idle): the repository it registered with. */
  warmRepoFullName: text("warm_repo_full_name"),
  /** Where its runner registered: the org (org-scoped projects) or the repo; null = repo. */
  runnerScope: text("runner_scope", { enum: ["repo", "org"] }),
  /**
   * A stopped-pool instance: `preparing` (first boot, installing the runner),
   * `stopped` (ready to start for a job), `claimed` (started for `job_id`;
   * terminated after it, never reused). Null for every other instance.
   */
  standby: text("standby", { enum: ["preparing", "stopped", "claimed"] }),
}, (t) => [
  index("instances_state_idx").on(t.state),
  index("instances_job_idx").on(t.jobId),
  index("instances_runner_name_idx").on(t.runnerName),
  // Every reaper and warm-pool pass reads the live ones; the table keeps every instance ever.
  index("instances_terminated_at_idx").on(t.terminatedAt),
]);

export const auditEvents = sqliteTable("audit_events", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  target: text("target"),
  outcome: text("outcome", { enum: ["ok", "failed"] }).notNull().default("ok"),
  payload: json<Record<string, unknown>>("payload"),
  /**
   * Set by the core on every row it writes: a write replayed after an outage
   * (it may have reached libSQL before the answer was lost) is then ignored.
   */
  dedupeKey: text("dedupe_key"),
}, (t) => [
  index("audit_action_at_idx").on(t.action, t.at),
  index("audit_at_idx").on(t.at),
  uniqueIndex("audit_dedupe_key_idx").on(t.dedupeKey),
]);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  role: text("role", { enum: ["viewer", "admin"] }).notNull().default("viewer"),
  passwordHash: text("password_hash"),
  passwordSalt: text("password_salt"),
  createdAt: integer("created_at").notNull(),
  lastLoginAt: integer("last_login_at"),
  /** A disabled user's sessions are refused at once (checked on every request). */
  isDisabled: integer("is_disabled", { mode: "boolean" }).notNull().default(false),
  /** Sessions issued before this (epoch ms) are refused: "sign out everywhere". */
  sessionsNotBefore: integer("sessions_not_before"),
  /** The SSO identity of this user: the provider's issuer and `sub` (never the email). */
  ssoIssuer: text("sso_issuer"),
  ssoSubject: text("sso_subject"),
  /** An admin allows the next SSO sign-in with this email to attach to this account. */
  allowsSsoLink: integer("allows_sso_link", { mode: "boolean" }).notNull().default(false),
}, (t) => [uniqueIndex("users_sso_identity_idx").on(t.ssoIssuer, t.ssoSubject)]);

/**
 * One-time links an admin hands to a new user, who sets their password
 * through it. Only the SHA-256 of the token is stored, so a leaked
 * database row cannot be used as a link.
 */
export const userInvitations = sqliteTable("user_invitations", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  /** Set when the invitee set their password: a second use is refused (410). */
  usedAt: integer("used_at"),
}, (t) => [index("user_invitations_user_idx").on(t.userId)]);

/** What a roll-up row is keyed by besides its day or hour. */
const rollupKind = () =>
  text("kind", { enum: ["project", "pool", "repo", "sender", "label"] }).notNull();

/** A roll-up row's sums, the same by day and by hour. */
const rollupCounts = {
  key: text("key").notNull(),
  jobs: integer("jobs").notNull().default(0),
  completed: integer("completed").notNull().default(0),
  /** Failed or reaped. */
  failed: integer("failed").notNull().default(0),
  runtimeMs: integer("runtime_ms").notNull().default(0),
  costMicroUsd: integer("cost_micro_usd").notNull().default(0),
  /** Finished jobs that had a runner but no cost: no price was quoted. */
  unquoted: integer("unquoted").notNull().default(0),
};

/** A latency histogram row's bucket and count, the same by day and by hour. */
const latencyCounts = {
  poolKey: text("pool_key").notNull(),
  bucket: integer("bucket").notNull(),
  jobs: integer("jobs").notNull().default(0),
};

/**
 * Daily roll-up of jobs for the console's stats and overview, kept exact by
 * SQLite triggers on `jobs` (drizzle/0006_job_rollup_hourly_triggers.sql): each job
 * adds to one row per kind (project, pool, repo, sender) and one per label,
 * for the UTC day it was queued. Keys are ids ('' when unset); costs are
 * integer micro-dollars so repeated add/subtract never drifts.
 */
export const jobRollupsDaily = sqliteTable("job_rollups_daily", {
  kind: rollupKind(),
  /** Start of the UTC day the jobs were queued on (epoch ms). */
  day: integer("day").notNull(),
  ...rollupCounts,
}, (t) => [primaryKey({ columns: [t.kind, t.day, t.key] })]);

/** Queue-to-start latency histogram per pool and UTC day (buckets in shared/stats/latency.ts). */
export const jobLatencyDaily = sqliteTable("job_latency_daily", {
  day: integer("day").notNull(),
  ...latencyCounts,
}, (t) => [primaryKey({ columns: [t.day, t.poolKey, t.bucket] })]);

/**
 * The same roll-up by UTC hour, for the ragged ends of a window (a rolling
 * "last 7 days" starts mid-day): with it only the part of an hour at each
 * end is read from `jobs`. Kept by the same triggers (0006).
 */
export const jobRollupsHourly = sqliteTable("job_rollups_hourly", {
  kind: rollupKind(),
  /** Start of the UTC hour the jobs were queued in (epoch ms). */
  hour: integer("hour").notNull(),
  ...rollupCounts,
}, (t) => [primaryKey({ columns: [t.kind, t.hour, t.key] })]);

/** Queue-to-start latency histogram per pool and UTC hour. */
export const jobLatencyHourly = sqliteTable("job_latency_hourly", {
  hour: integer("hour").notNull(),
  ...latencyCounts,
}, (t) => [primaryKey({ columns: [t.hour, t.poolKey, t.bucket] })]);

/**
 * Operator actions the core carries out (control API): terminate a machine,
 * cancel a job, retry a failed launch. The edge records them; a core claims
 * them on its control call, does them and reports back. At most one pending
 * action per kind and target, so a repeated request finds the first.
 */
export const controlActions = sqliteTable("control_actions", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  kind: text("kind", { enum: ["terminate", "cancel", "retry"] }).notNull(),
  /** An instance id (terminate) or a job id (cancel, retry). */
  target: text("target").notNull(),
  isForced: integer("is_forced", { mode: "boolean" }).notNull().default(false),
  requestedBy: text("requested_by").notNull(),
  requestedAt: integer("requested_at").notNull(),
  state: text("state", { enum: ["pending", "done", "failed"] }).notNull().default("pending"),
  /** The core that took it, and when: another core retakes it if no answer came in time. */
  claimedBy: text("claimed_by"),
  claimedAt: integer("claimed_at"),
  doneAt: integer("done_at"),
  /** What the core did, in words. */
  result: text("result"),
}, (t) => [
  index("control_actions_state_idx").on(t.state, t.id),
  uniqueIndex("control_actions_pending_idx").on(t.kind, t.target).where(sql`state = 'pending'`),
]);

/**
 * Launching held by an operator: `scope` is `all` (pause) or a pool id
 * (drain). Running jobs finish; no machine is launched under a hold.
 */
export const launchHolds = sqliteTable("launch_holds", {
  scope: text("scope").primaryKey(),
  heldBy: text("held_by").notNull(),
  heldAt: integer("held_at").notNull(),
});

/**
 * Each core's last control call: when it last leased (by its own account),
 * when the edge last heard from it, and its metrics (prom-client JSON).
 */
export const coreHeartbeats = sqliteTable("core_heartbeats", {
  coreId: text("core_id").primaryKey(),
  version: text("version"),
  seenAt: integer("seen_at").notNull(),
  leasedAt: integer("leased_at"),
  metrics: json<MetricFamily[]>("metrics"),
});
