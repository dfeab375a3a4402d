/**
 * `/runner/v1/*`: runner instances fetch their JIT config once and report
 * their lifecycle, authenticated by the runner token from their user data.
 * `/core/v1/runner-configs`: the core deposits a launched runner's config.
 */
import { Hono } from "hono";
import type { DurableObjectStub } from "cloudflare:workers";
import {
  ConflictError,
  GantryError,
  NotFoundError,
  UnauthorizedError,
} from "../../shared/errors.ts";
import {
  RunnerConfigDeposit,
  RunnerConfigRequest,
  RunnerEventRequest,
} from "../../shared/schema/runner.ts";
import { requireCore } from "../auth/core_token.ts";
import type { AppEnv, Env } from "../env.ts";
import { errorResponse } from "../errors.ts";
import { queueOf } from "../queue/queue_of.ts";
import { parseBody } from "../validation.ts";
import { open, seal } from "./config_cipher.ts";
import { verifyRunnerToken } from "./runner_token.ts";
import type { RunnerVault } from "./runner_vault.ts";

function vaultOf(env: Env): DurableObjectStub<RunnerVault> {
  return env.RUNNER_VAULT.get(env.RUNNER_VAULT.idFromName("primary"));
}

class GoneError extends GantryError {
  constructor(message: string) {
    super("gone", message);
  }
}

export const runnerRoutes = new Hono<AppEnv>()
  .post("/core/v1/runner-configs", requireCore, async (c) => {
    const deposit = await parseBody(c.req.raw, RunnerConfigDeposit);
    const sealed = await seal(
      c.env.RUNNER_CONFIG_KEY,
      deposit.encodedJitConfig,
      deposit.runnerName,
    );
    const stored = await vaultOf(c.env).deposit({
      runnerName: deposit.runnerName,
      jobId: deposit.jobId,
      instanceId: deposit.instanceId,
      expiresAt: deposit.expiresAt,
      ...sealed,
    });
    if (!stored) throw new ConflictError(`runner ${deposit.runnerName} already fetched its config`);
    return c.json({ status: "stored" }, 201);
  })
  .post("/runner/v1/config", async (c) => {
    const claims = await verifyRunnerToken(c.req.header("authorization"), c.env.CORE_PUBLIC_KEYS);
    const { instanceId } = await parseBody(c.req.raw, RunnerConfigRequest);
    const result = await vaultOf(c.env).take({ ...claims, instanceId });
    switch (result.status) {
      case "ok":
        return c.json({
          runnerName: claims.runnerName,
          encodedJitConfig: await open(c.env.RUNNER_CONFIG_KEY, result, claims.runnerName),
        });
      case "not_found":
        // The core deposits right after launch; a fast-booting instance retries.
        throw new NotFoundError("no config for this runner yet; retry shortly");
      case "used":
        throw new GoneError("this runner's config was already fetched");
      case "expired":
        throw new GoneError("this runner's config expired");
      case "wrong_instance":
        throw new UnauthorizedError("this runner token belongs to another instance");
    }
  })
  .post("/runner/v1/event", async (c) => {
    const claims = await verifyRunnerToken(c.req.header("authorization"), c.env.CORE_PUBLIC_KEYS);
    const event = await parseBody(c.req.raw, RunnerEventRequest);
    const boundTo = await vaultOf(c.env).instanceOf(claims.runnerName, claims.jobId);
    if (boundTo !== event.instanceId) {
      throw new UnauthorizedError("this runner token belongs to another instance");
    }
    const result = await queueOf(c.env).enqueue({
      type: "runner_event",
      deliveryId: crypto.randomUUID(),
      receivedAt: Date.now(),
      jobId: claims.jobId,
      runnerName: claims.runnerName,
      instanceId: event.instanceId,
      kind: event.kind,
      ...(event.log !== undefined ? { log: event.log } : {}),
    });
    return c.json({ status: result.status }, 202);
  })
  .onError((error, c) => errorResponse(c, error));
