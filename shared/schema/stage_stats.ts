/** `GET /api/v1/stats/stages`: where jobs' waits went over a window, per pool (shared/job_stages.ts). */
import { z } from "zod";
import { JOB_STAGES, PARTIES, WAIT_REASONS } from "../job_stages.ts";

const EpochMs = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();

/** One pool's gaps ending at one stage: how many jobs had it, and how long it took. */
export const StageLatency = z.object({
  poolKey: z.string(),
  pool: z.string(),
  stage: z.enum(JOB_STAGES),
  party: z.enum(PARTIES),
  jobs: Count,
  p50Ms: z.number().int().nonnegative(),
  p95Ms: z.number().int().nonnegative(),
});
export type StageLatency = z.infer<typeof StageLatency>;

export const StageStatsResponse = z.object({
  window: z.object({ from: EpochMs, to: EpochMs }),
  /** Jobs read: those queued in the window, newest first, at most {@link STAGE_STATS_MAX_JOBS}. */
  jobs: Count,
  /** True when the window held more jobs than were read: the figures are of the newest. */
  isSampled: z.boolean(),
  /** By pool, then in stage order. */
  stages: z.array(StageLatency),
  /** Why jobs waited, most jobs first: each job counts once per reason. */
  reasons: z.array(z.object({ reason: z.enum(WAIT_REASONS), jobs: Count })),
});
export type StageStatsResponse = z.infer<typeof StageStatsResponse>;

/** The most jobs one stage-stats answer reads. */
export const STAGE_STATS_MAX_JOBS = 2_000;
