/** `GET /api/v1/warm-pools`: each pool's warm inventory per kind, why, and what it cost today. */
import { z } from "zod";
import { WARM_KINDS, WARM_REASONS } from "../launch/warm_bounds.ts";

const EpochMs = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();

/** One kind of one pool. */
export const WarmKindInventory = z.object({
  kind: z.enum(WARM_KINDS),
  /** What the core's last warm tick chose; null before its first tick for this pool and kind. */
  decision: z.object({
    target: Count,
    max: Count,
    reason: z.enum(WARM_REASONS),
    /** One instance's idle cost a day as the budget saw it; null when no budget needed a quote. */
    idleUsdPerDay: z.number().nonnegative().nullable(),
    decidedAt: EpochMs,
    /** When the target or the reason last changed. */
    changedAt: EpochMs,
  }).nullable(),
  /** Waiting now: hot, live warm runners no job ran on; stopped, preparing or stopped instances. */
  current: Count,
  /** What that idle capacity cost this UTC day so far: hot at the instances' price, stopped their volumes. */
  idleUsdToday: z.number().nonnegative(),
  /** Hot instances that idled today without a quoted price: `idleUsdToday` is a floor. */
  unquoted: Count,
});
export type WarmKindInventory = z.infer<typeof WarmKindInventory>;

export const WarmPoolsResponse = z.object({
  generatedAt: EpochMs,
  /** The UTC day the costs are of, up to `generatedAt`. */
  day: z.object({ from: EpochMs, to: EpochMs }),
  pools: z.array(z.object({
    poolId: z.string(),
    project: z.string(),
    pool: z.string(),
    /** Hot, then stopped. */
    kinds: z.array(WarmKindInventory),
  })),
});
export type WarmPoolsResponse = z.infer<typeof WarmPoolsResponse>;
