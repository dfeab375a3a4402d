/**
 * Where a job's wait went: the stages every job passes from GitHub creating
 * it to GitHub handing it to a runner, who each gap between two stages
 * belongs to (GitHub, Gantry, the provider, the runner), and why a job
 * waited (a cap, a throttle, a capacity retry, …). Pure: the core records
 * stages and waits, the edge reads them, the console draws the waterfall.
 *
 * @module
 */

/** The stages, in the order a job passes them. */
export const JOB_STAGES = [
  "github_created",
  "webhook_received",
  "leased",
  "claimed",
  "launch_sent",
  "launch_answered",
  "booted",
  "runner_online",
  "in_progress",
] as const;
export type JobStage = typeof JOB_STAGES[number];

/** What each stage means, as the console says it. */
export const STAGE_LABELS: Record<JobStage, string> = {
  github_created: "GitHub queued the job",
  webhook_received: "webhook received",
  leased: "core leased it",
  claimed: "claimed for launch",
  launch_sent: "launch call sent",
  launch_answered: "launch call answered",
  booted: "instance booted",
  runner_online: "runner online",
  in_progress: "job in progress",
};

/** Whose time a gap is. */
export const PARTIES = ["github", "gantry", "provider", "runner"] as const;
export type Party = typeof PARTIES[number];

/** Whose time the gap ending at each stage is. */
const PARTY_UNTIL: Record<Exclude<JobStage, "github_created">, Party> = {
  webhook_received: "github",
  leased: "gantry",
  claimed: "gantry",
  launch_sent: "gantry",
  launch_answered: "provider",
  booted: "provider",
  runner_online: "runner",
  in_progress: "github",
};

/** Why a job waited. */
export const WAIT_REASONS = [
  "cap",
  "ec2_throttle",
  "capacity",
  "github_rate_limit",
  "warm_pool_empty",
  "github_delivery",
] as const;
export type WaitReason = typeof WAIT_REASONS[number];

export const WAIT_LABELS: Record<WaitReason, string> = {
  cap: "a concurrency cap",
  ec2_throttle: "an EC2 throttle",
  capacity: "a capacity retry",
  github_rate_limit: "the GitHub rate limit",
  warm_pool_empty: "an empty warm pool",
  github_delivery: "a GitHub delivery delay",
};

/** A webhook later than this after GitHub queued the job counts as a delivery delay. */
export const DELIVERY_DELAY_MS = 10_000;

/** A recorded wait: its reason, when it was first and last seen, how often. */
export interface JobWait {
  reason: WaitReason;
  firstAt: number;
  lastAt: number;
  count: number;
}

/** One bar of the waterfall: the gap from one stage to the next one seen. */
export interface StageSegment {
  from: JobStage;
  to: JobStage;
  startAt: number;
  durationMs: number;
  party: Party;
  /** Waits first seen within this gap. */
  reasons: WaitReason[];
}

/** The times a jobs row holds itself. */
export interface JobTimes {
  queuedAt: number;
  claimedAt: number | null;
  startedAt: number | null;
}

/**
 * A job's stages: those its jobs row holds (GitHub's created_at, the claim,
 * the start) and those recorded beside it, skipping names this build does not
 * know (a newer core may record more).
 */
export function stagesOfJob(
  job: JobTimes,
  rows: readonly { stage: string; at: number }[],
): Partial<Record<JobStage, number>> {
  const stages: Partial<Record<JobStage, number>> = { github_created: job.queuedAt };
  if (job.claimedAt !== null) stages.claimed = job.claimedAt;
  if (job.startedAt !== null) stages.in_progress = job.startedAt;
  for (const row of rows) {
    if ((JOB_STAGES as readonly string[]).includes(row.stage)) {
      stages[row.stage as JobStage] = row.at;
    }
  }
  return stages;
}

/** The recorded waits whose reason this build knows. */
export function knownWaits<T extends { reason: string }>(
  rows: readonly T[],
): (T & { reason: WaitReason })[] {
  return rows.filter((row): row is T & { reason: WaitReason } =>
    (WAIT_REASONS as readonly string[]).includes(row.reason)
  );
}

/**
 * The waterfall of a job from the stages seen (any may be missing: a warm
 * runner has no launch call) and its waits. A stage seen earlier than the
 * one before it (clocks of two hosts) gives a gap of 0, not a negative one.
 */
export function waterfallOf(
  stages: Partial<Record<JobStage, number>>,
  waits: readonly JobWait[],
): StageSegment[] {
  const seen = JOB_STAGES.filter((stage) => stages[stage] !== undefined);
  const segments: StageSegment[] = [];
  for (let i = 1; i < seen.length; i++) {
    const from = seen[i - 1];
    const to = seen[i] as Exclude<JobStage, "github_created">;
    const startAt = stages[from]!;
    const endAt = stages[to]!;
    segments.push({
      from,
      to,
      startAt,
      durationMs: Math.max(0, endAt - startAt),
      party: PARTY_UNTIL[to],
      reasons: [],
    });
  }
  const all = [...waits];
  const created = stages.github_created;
  const received = stages.webhook_received;
  if (created !== undefined && received !== undefined && received - created > DELIVERY_DELAY_MS) {
    all.push({ reason: "github_delivery", firstAt: created, lastAt: received, count: 1 });
  }
  for (const wait of all) {
    // The gap the wait began in; one before the first stage or after the last goes to the nearest.
    const segment = segments.findLast((s) => s.startAt <= wait.firstAt) ?? segments[0];
    if (segment && !segment.reasons.includes(wait.reason)) segment.reasons.push(wait.reason);
  }
  return segments;
}

/** Milliseconds of a waterfall that were Gantry's own (edge queue, lease, admission, gathering). */
export function gantryShareMs(segments: readonly StageSegment[]): number {
  return segments.filter((s) => s.party === "gantry").reduce((sum, s) => sum + s.durationMs, 0);
}
