/**
 * Runner instances ↔ edge. One launch call starts many instances with one
 * user data, so that user data holds a short-lived batch token (an EdDSA JWT
 * the core signs, subject = the batch's client token). After the launch the
 * core deposits each instance's JIT config keyed by instance id; the instance
 * presents the batch token, its own id and its EC2 identity document signed by
 * AWS (from IMDSv2) to fetch it once, and to report its lifecycle.
 */
import { z } from "zod";

/** JWT audience of runner tokens. */
export const RUNNER_TOKEN_AUDIENCE = "gantry-edge/runner";

const InstanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, "expected an EC2 instance id (i-…)");
const RunnerName = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/);

/** A launch batch's id: its EC2 client token. */
export const BatchId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/);

/** Core → edge, after launch: the config the instance will fetch, bound to it and its batch. */
export const RunnerConfigDeposit = z.object({
  batchId: BatchId,
  jobId: z.string().min(1).max(32),
  runnerName: RunnerName,
  instanceId: InstanceId,
  encodedJitConfig: z.string().min(1).max(64 * 1024).regex(/^[A-Za-z0-9+/=]+$/),
  /** Epoch ms after which the config can no longer be fetched. */
  expiresAt: z.number().int().positive(),
});
export type RunnerConfigDeposit = z.infer<typeof RunnerConfigDeposit>;

/** Core → edge: `POST /core/v1/runner-configs`, a launch's deposits at once. */
export const RunnerConfigDeposits = z.object({
  deposits: z.array(RunnerConfigDeposit).min(1).max(500),
});
export type RunnerConfigDeposits = z.infer<typeof RunnerConfigDeposits>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/=\s]+$/, "expected base64");

/**
 * The instance's identity from IMDSv2: the document's exact bytes (base64)
 * and the `dynamic/instance-identity/signature` body (base64 SHA-256 with RSA).
 * Optional here so a request without it is answered 401, not 400.
 */
export const InstanceIdentityProof = z.object({
  document: Base64.min(1).max(8 * 1024),
  signature: Base64.min(1).max(2 * 1024),
});
export type InstanceIdentityProof = z.infer<typeof InstanceIdentityProof>;

/** Instance → edge: `POST /runner/v1/config` (token in Authorization). */
export const RunnerConfigRequest = z.object({
  instanceId: InstanceId,
  identity: InstanceIdentityProof.optional(),
});
export type RunnerConfigRequest = z.infer<typeof RunnerConfigRequest>;

export const RunnerEventKind = z.enum([
  "booted",
  "runner-started",
  "runner-finished",
  "bootstrap-failed",
  "spot-interruption-notice",
  /** A stopped pool's instance finished its first boot (runner installed): stop it now. */
  "prepared",
]);
export type RunnerEventKind = z.infer<typeof RunnerEventKind>;

/** Largest log tail an instance may send with bootstrap-failed. */
export const MAX_RUNNER_LOG_BYTES = 64 * 1024;

/** Instance → edge: `POST /runner/v1/event` (token in Authorization). */
export const RunnerEventRequest = z.object({
  instanceId: InstanceId,
  identity: InstanceIdentityProof.optional(),
  kind: RunnerEventKind,
  /** The last lines of the bootstrap log, for bootstrap-failed. */
  log: z.string().max(MAX_RUNNER_LOG_BYTES).optional(),
});
export type RunnerEventRequest = z.infer<typeof RunnerEventRequest>;
