/**
 * Runner tokens: EdDSA JWTs the core signs with its own key (so the edge
 * verifies them with CORE_PUBLIC_KEYS and holds no minting secret), bound to
 * one job and runner, short-lived.
 */
import { errors, jwtVerify } from "jose";
import { UnauthorizedError } from "../../shared/errors.ts";
import { RUNNER_TOKEN_AUDIENCE } from "../../shared/schema/runner.ts";
import { coreKeySet } from "../auth/core_token.ts";

export interface RunnerClaims {
  jobId: string;
  runnerName: string;
}

export async function verifyRunnerToken(
  header: string | undefined,
  coreKeys: string,
): Promise<RunnerClaims> {
  const token = header?.startsWith("Bearer ") ? header.slice(7) : "";
  if (!token) throw new UnauthorizedError("missing runner token (Authorization: Bearer <token>)");
  try {
    const { payload } = await jwtVerify(token, coreKeySet(coreKeys), {
      audience: RUNNER_TOKEN_AUDIENCE,
      algorithms: ["EdDSA", "Ed25519"],
      requiredClaims: ["sub", "exp", "runner"],
    });
    return { jobId: String(payload.sub), runnerName: String(payload.runner) };
  } catch (cause) {
    const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
    throw new UnauthorizedError(`runner token rejected (${reason})`, { cause });
  }
}
