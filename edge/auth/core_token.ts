/**
 * Core authentication: a core signs a short-lived EdDSA (Ed25519) JWT with its
 * private key; the edge verifies it against the public keys in
 * CORE_PUBLIC_KEYS. Removing a core's key revokes it.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from "jose";
import { createMiddleware } from "hono/factory";
import { UnauthorizedError } from "../../shared/errors.ts";
import { CORE_TOKEN_AUDIENCE } from "../../shared/schema/edge_core.ts";
import type { AppEnv } from "../env.ts";

/** Longest lifetime accepted for a core token, whatever its `exp` says. */
const MAX_TOKEN_AGE = "5m";

let cached: { source: string; keys: ReturnType<typeof createLocalJWKSet> } | undefined;

/** The JWK set of CORE_PUBLIC_KEYS, parsed once per value. */
export function coreKeySet(source: string) {
  if (cached?.source !== source) {
    cached = { source, keys: createLocalJWKSet(JSON.parse(source) as JSONWebKeySet) };
  }
  return cached.keys;
}

/** Rejects any request without a valid, unexpired core token for this audience. */
export const requireCore = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : "";
  if (!token) throw new UnauthorizedError("missing core token (Authorization: Bearer <jwt>)");
  try {
    const { payload } = await jwtVerify(token, coreKeySet(c.env.CORE_PUBLIC_KEYS), {
      audience: CORE_TOKEN_AUDIENCE,
      algorithms: ["EdDSA", "Ed25519"],
      maxTokenAge: MAX_TOKEN_AGE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    c.set("coreId", String(payload.sub));
  } catch (cause) {
    const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
    throw new UnauthorizedError(`core token rejected (${reason})`, { cause });
  }
  await next();
});
