/**
 * With AUTH_DISABLED=true the edge signs nobody in, so every request must
 * prove it came through the authenticating proxy in front of it. A request
 * that reaches the Worker another way (its `*.workers.dev` hostname, a
 * preview URL, a route outside the Access application) carries no proof and
 * is refused with 401, whatever hostname it used. Proof is either:
 *
 * - a Cloudflare Access JWT in `Cf-Access-Jwt-Assertion`, verified against
 *   the team's JWKS (`https://<ACCESS_TEAM_DOMAIN>/cdn-cgi/access/certs`,
 *   or ACCESS_CERTS_URL for tests) with the application's ACCESS_AUD; or
 * - the PROXY_SECRET in `X-Gantry-Proxy-Secret`, which another proxy
 *   (oauth2-proxy, nginx) adds; compared in constant time.
 */
import type { Context } from "hono";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { ConfigError, UnauthorizedError } from "../../shared/errors.ts";
import type { AppEnv, Env } from "../env.ts";
import { isLoopback } from "./oidc_config.ts";
import { constantTimeEqual } from "./password.ts";

export const ACCESS_JWT_HEADER = "cf-access-jwt-assertion";
export const PROXY_SECRET_HEADER = "x-gantry-proxy-secret";
/** Below this a shared secret could be guessed. */
export const MIN_PROXY_SECRET_LENGTH = 32;

/** Who the proxy vouched for: the Access identity's email when it says, else null. */
export interface ProxyProof {
  email: string | null;
}

const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * Checks the request's proof of having come through the proxy.
 *
 * @throws {UnauthorizedError} when it carries none or a bad one.
 * @throws {ConfigError} when neither proof is configured, or one is misconfigured.
 */
export async function proveProxied(c: Context<AppEnv>): Promise<ProxyProof> {
  const access = accessConfigOf(c.env);
  const secret = c.env.PROXY_SECRET ?? "";
  if (!access && !secret) {
    throw new UnauthorizedError(
      "AUTH_DISABLED=true needs proof that requests came through the authenticating proxy: " +
        "set ACCESS_TEAM_DOMAIN and ACCESS_AUD (Cloudflare Access) or PROXY_SECRET",
    );
  }
  const presentedSecret = c.req.header(PROXY_SECRET_HEADER);
  if (secret && presentedSecret !== undefined) {
    if (secret.length < MIN_PROXY_SECRET_LENGTH) {
      throw new ConfigError(`PROXY_SECRET must be at least ${MIN_PROXY_SECRET_LENGTH} characters`);
    }
    const [a, b] = await Promise.all([digest(presentedSecret), digest(secret)]);
    if (constantTimeEqual(a, b)) return { email: null };
    throw new UnauthorizedError(`wrong ${PROXY_SECRET_HEADER}`);
  }
  const assertion = c.req.header(ACCESS_JWT_HEADER);
  if (access && assertion) {
    let jwks = jwksByUrl.get(access.certsUrl);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(access.certsUrl));
      jwksByUrl.set(access.certsUrl, jwks);
    }
    try {
      const { payload } = await jwtVerify(assertion, jwks, {
        issuer: access.issuer,
        audience: access.audience,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "iat"],
      });
      return { email: typeof payload.email === "string" ? payload.email : null };
    } catch (cause) {
      const reason = cause instanceof errors.JOSEError ? cause.code : "ERR_INVALID";
      throw new UnauthorizedError(`Cloudflare Access assertion rejected (${reason})`, { cause });
    }
  }
  throw new UnauthorizedError(
    "this request did not come through the authenticating proxy (no Cf-Access-Jwt-Assertion " +
      `or ${PROXY_SECRET_HEADER}); use the console's protected hostname`,
  );
}

interface AccessConfig {
  issuer: string;
  audience: string;
  certsUrl: string;
}

function accessConfigOf(env: Env): AccessConfig | null {
  const team = env.ACCESS_TEAM_DOMAIN?.trim();
  const audience = env.ACCESS_AUD?.trim();
  if (!team && !audience) return null;
  if (!team || !audience) {
    throw new ConfigError("Cloudflare Access needs both ACCESS_TEAM_DOMAIN and ACCESS_AUD");
  }
  const issuer = new URL(team.includes("://") ? team : `https://${team}`).origin;
  const certsUrl = env.ACCESS_CERTS_URL?.trim() || `${issuer}/cdn-cgi/access/certs`;
  const certs = new URL(certsUrl);
  if (certs.protocol !== "https:" && !isLoopback(certs)) {
    throw new ConfigError(
      "ACCESS_CERTS_URL must be https:// (http:// only on loopback, for tests)",
    );
  }
  return { issuer, audience, certsUrl };
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
