/**
 * Batch tokens: EdDSA JWTs the core signs with its own key (so the edge
 * verifies them with CORE_PUBLIC_KEYS and holds no minting secret). One token
 * rides in the user data of every instance of one launch call; its subject is
 * the batch id, and the instance adds its own id to each request.
 */
import { errors, jwtVerify } from "jose";
import { createMiddleware } from "hono/factory";
import { UnauthorizedError } from "../../shared/errors.ts";
import { BatchId, RUNNER_TOKEN_AUDIENCE } from "../../shared/schema/runner.ts";
import { coreKeySet } from "../auth/core_token.ts";
import type { AppEnv } from "../env.ts";

export interface BatchClaims {
  batchId: string;
  /** When the core issued the token and when it expires, epoch ms: the launch's window. */
  issuedAt: number;
  expiresAt: number;
}

export async function verifyBatchToken(
  header: string | undefined,
  coreKeys: string,
): Promise<BatchClaims> {
  const token = header?.startsWith("Bearer ") ? header.slice(7) : "";
  if (!token) throw new UnauthorizedError("missing batch token (Authorization: Bearer <token>)");
  let subject: unknown;
  let issuedAt = 0;
  let expiresAt = 0;
  try {
    const { payload } = await jwtVerify(token, coreKeySet(coreKeys), {
      audience: RUNNER_TOKEN_AUDIENCE,
      algorithms: ["EdDSA", "Ed25519"],
      requiredClaims: ["sub", "exp", "iat"],
    });
    subject = payload.sub;
    issuedAt = (payload.iat ?? 0) * 1000;
    expiresAt = (payload.exp ?? 0) * 1000;
  } catch (cause) {
    const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
    throw new UnauthorizedError(`batch token rejected (${reason})`, { cause });
  }
  const batchId = BatchId.safeParse(subject);
  if (!batchId.success) throw new UnauthorizedError("batch token rejected (bad subject)");
  return { batchId: batchId.data, issuedAt, expiresAt };
}

/** The routes an instance calls: `batch` is set once its token verifies. */
export type RunnerEnv = AppEnv & { Variables: { batch: BatchClaims } };

/** Rejects a request without a valid batch token, before its body is read. */
export const requireBatch = createMiddleware<RunnerEnv>(async (c, next) => {
  c.set("batch", await verifyBatchToken(c.req.header("authorization"), c.env.CORE_PUBLIC_KEYS));
  await next();
});
