/**
 * Runner instances ↔ edge. An instance's user data holds only a short-lived
 * runner token (an EdDSA JWT the core signs, bound to the job and runner);
 * with it the instance fetches its JIT config once and reports its lifecycle.
 */
import { z } from "zod";

/** JWT audience of runner tokens. */
export const RUNNER_TOKEN_AUDIENCE = "gantry-edge/runner";

const InstanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, "expected an EC2 instance id (i-…)");
const RunnerName = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/);

/** Core → edge, after launch: the config the instance will fetch, bound to it. */
export const RunnerConfigDeposit = z.object({
  jobId: z.string().min(1).max(32),
  runnerName: RunnerName,
  instanceId: InstanceId,
  encodedJitConfig: z.string().min(1).max(64 * 1024).regex(/^[A-Za-z0-9+/=]+$/),
  /** Epoch ms after which the config can no longer be fetched. */
  expiresAt: z.number().int().positive(),
});
export type RunnerConfigDeposit = z.infer<typeof RunnerConfigDeposit>;

/** Instance → edge: `POST /runner/v1/config` (token in Authorization). */
export const RunnerConfigRequest = z.object({ instanceId: InstanceId });
export type RunnerConfigRequest = z.infer<typeof RunnerConfigRequest>;

export const RunnerEventKind = z.enum([
  "booted",
  "runner-started",
  "runner-finished",
  "bootstrap-failed",
  "spot-interruption-notice",
]);
export type RunnerEventKind = z.infer<typeof RunnerEventKind>;

/** Largest log tail an instance may send with bootstrap-failed. */
export const MAX_RUNNER_LOG_BYTES = 64 * 1024;

/** Instance → edge: `POST /runner/v1/event` (token in Authorization). */
export const RunnerEventRequest = z.object({
  instanceId: InstanceId,
  kind: RunnerEventKind,
  /** The last lines of the bootstrap log, for bootstrap-failed. */
  log: z.string().max(MAX_RUNNER_LOG_BYTES).optional(),
});
export type RunnerEventRequest = z.infer<typeof RunnerEventRequest>;
