/**
 * `/runner/v1/*`: runner instances fetch their JIT config once and report
 * their lifecycle, authenticated by their launch's batch token plus AWS's
 * signed identity document of the instance they act for. The batch token is
 * shared by the launch's instances (one user data per launch call, written
 * before any instance id exists), so it is bound to one instance at each use:
 * the document must verify and name the instance in the request, which only
 * that instance's IMDS serves. A sibling holding the same token cannot fetch
 * another's config or report for it. `/core/v1/runner-configs`: the core
 * deposits a launch's configs.
 */
import { Hono } from "hono";
import type { DurableObjectStub } from "cloudflare:workers";
import {
  ConflictError,
  ForbiddenError,
  GantryError,
  NotFoundError,
  UnauthorizedError,
} from "../../shared/errors.ts";
import {
  type InstanceIdentityProof,
  RunnerConfigDeposits,
  RunnerConfigRequest,
  RunnerEventRequest,
} from "../../shared/schema/runner.ts";
import { requireCore } from "../auth/core_token.ts";
import type { Env } from "../env.ts";
import { queueOf } from "../queue/queue_of.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import { open, seal } from "./config_cipher.ts";
import { auditIdentityRefusal } from "./identity_audit.ts";
import { checkInstanceIdentity, identityCertificatesOf } from "./instance_identity.ts";
import { type BatchClaims, requireBatch, type RunnerEnv } from "./runner_token.ts";
import type { RunnerVault } from "./runner_vault.ts";

function vaultOf(env: Env): DurableObjectStub<RunnerVault> {
  return env.RUNNER_VAULT.get(env.RUNNER_VAULT.idFromName("primary"));
}

/** Sealed for one instance of one batch: a ciphertext moved to another row does not open. */
function sealContext(batchId: string, instanceId: string): string {
  return `${batchId}/${instanceId}`;
}

class GoneError extends GantryError {
  constructor(message: string) {
    super("gone", message);
  }
}

/** Verifies the instance's identity for this batch, or audits the refusal and throws 401/403. */
async function requireInstance(
  env: Env,
  request: { instanceId: string; identity?: InstanceIdentityProof },
  batch: BatchClaims,
  route: string,
): Promise<void> {
  const check = await checkInstanceIdentity(request.identity, {
    instanceId: request.instanceId,
    launchedFrom: batch.issuedAt,
    launchedUntil: batch.expiresAt,
    certificates: identityCertificatesOf(env.INSTANCE_IDENTITY_CERTIFICATES),
  });
  if (check.ok) return;
  const { refusal } = check;
  await auditIdentityRefusal(env, refusal, {
    instanceId: request.instanceId,
    batchId: batch.batchId,
    route,
  });
  throw refusal.status === 403
    ? new ForbiddenError(refusal.message)
    : new UnauthorizedError(refusal.message);
}

const configDeposit = [requireCore, readJsonBody, jsonBody(RunnerConfigDeposits)] as const;
// The batch token is checked before the body is read: an unauthenticated caller learns nothing.
const configRequest = [requireBatch, readJsonBody, jsonBody(RunnerConfigRequest)] as const;
const eventRequest = [requireBatch, readJsonBody, jsonBody(RunnerEventRequest)] as const;

export const runnerRoutes = new Hono<RunnerEnv>()
  .post("/core/v1/runner-configs", ...configDeposit, async (c) => {
    const { deposits } = c.req.valid("json");
    const sealed = await Promise.all(deposits.map(async (deposit) => ({
      instanceId: deposit.instanceId,
      batchId: deposit.batchId,
      jobId: deposit.jobId,
      runnerName: deposit.runnerName,
      expiresAt: deposit.expiresAt,
      ...await seal(
        c.env.RUNNER_CONFIG_KEY,
        deposit.encodedJitConfig,
        sealContext(deposit.batchId, deposit.instanceId),
      ),
    })));
    const refused = await vaultOf(c.env).deposit(sealed);
    if (refused.length > 0) {
      throw new ConflictError(`already fetched, not re-armed: ${refused.join(", ")}`);
    }
    return c.json({ status: "stored", stored: deposits.length }, 201);
  })
  .post("/runner/v1/config", ...configRequest, async (c) => {
    const batch = c.get("batch");
    const { batchId } = batch;
    const request = c.req.valid("json");
    const { instanceId } = request;
    await requireInstance(c.env, request, batch, "config");
    const result = await vaultOf(c.env).take({ batchId, instanceId });
    switch (result.status) {
      case "ok":
        return c.json({
          runnerName: result.runnerName,
          encodedJitConfig: await open(
            c.env.RUNNER_CONFIG_KEY,
            result,
            sealContext(batchId, instanceId),
          ),
        });
      case "not_found":
        // The core deposits once the launch call returns; a fast-booting instance retries.
        throw new NotFoundError("no config for this instance yet; retry shortly");
      case "used":
        throw new GoneError("this instance's config was already fetched");
      case "expired":
        throw new GoneError("this instance's config expired");
      case "wrong_batch":
        throw new UnauthorizedError("this batch token belongs to another launch");
    }
  })
  .post("/runner/v1/event", ...eventRequest, async (c) => {
    const batch = c.get("batch");
    const { batchId } = batch;
    const event = c.req.valid("json");
    await requireInstance(c.env, event, batch, "event");
    const runner = await vaultOf(c.env).runnerOf(event.instanceId, batchId);
    if (runner.status !== "ok") {
      if (runner.status === "wrong_batch") {
        throw new UnauthorizedError("this batch token belongs to another launch");
      }
      throw new NotFoundError("no runner deposited for this instance yet; retry shortly");
    }
    const result = await queueOf(c.env).enqueue({
      type: "runner_event",
      deliveryId: crypto.randomUUID(),
      receivedAt: Date.now(),
      jobId: runner.jobId,
      runnerName: runner.runnerName,
      instanceId: event.instanceId,
      kind: event.kind,
      ...(event.log !== undefined ? { log: event.log } : {}),
    });
    return c.json({ status: result.status }, 202);
  });
