/**
 * The relying party's side of OIDC Authorization Code + PKCE, through
 * oauth4webapi: discovery, the authorization URL, and the code exchange
 * with every check the spec asks (state, issuer, audience, nonce, expiry,
 * PKCE) plus the ID token's signature against the provider's JWKS.
 */
import * as oauth from "oauth4webapi";
import { UpstreamError } from "../../shared/errors.ts";
import { isLoopback, type OidcConfig } from "./oidc_config.ts";
import type { OidcTransaction } from "./oidc_transaction.ts";

/** Why an SSO callback could not be trusted; each becomes a message on the sign-in page. */
export type OidcFailure =
  /** No transaction cookie: expired, or the callback came to another browser. */
  | "expired"
  /** `state` does not match the one this browser sent. */
  | "state_mismatch"
  /** The ID token's `nonce` is not the one this browser sent. */
  | "nonce_mismatch"
  /** The provider answered with an error (e.g. the user declined). */
  | "provider_refused"
  /** The token response or ID token failed a check. */
  | "invalid_response";

/** An SSO callback refused, with a reason the console can show. */
export class OidcCallbackError extends Error {
  readonly reason: OidcFailure;
  constructor(reason: OidcFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OidcCallbackError";
    this.reason = reason;
  }
}

// Discovery per isolate: the provider's metadata rarely changes, and a failed
// lookup is not kept, so the next sign-in tries again.
const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

function requestOptions(config: OidcConfig) {
  // oauth4webapi refuses http://; a loopback provider is how the tests run one.
  return { [oauth.allowInsecureRequests]: isLoopback(config.issuer) };
}

/**
 * The provider's metadata from its discovery document.
 *
 * @throws {UpstreamError} when the provider cannot be reached or its document is invalid.
 */
export function authorizationServerOf(config: OidcConfig): Promise<oauth.AuthorizationServer> {
  const key = config.issuer.href;
  let pending = discovered.get(key);
  if (!pending) {
    pending = (async () => {
      try {
        const response = await oauth.discoveryRequest(config.issuer, requestOptions(config));
        return await oauth.processDiscoveryResponse(config.issuer, response);
      } catch (cause) {
        discovered.delete(key);
        throw new UpstreamError(
          `SSO provider ${config.issuer.origin} did not answer discovery (${codeOf(cause)})`,
          { cause },
        );
      }
    })();
    discovered.set(key, pending);
  }
  return pending;
}

/** A fresh transaction: random state, nonce and PKCE verifier. */
export function newTransaction(next: string): OidcTransaction {
  return {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    next,
  };
}

/** Where to send the browser to sign in at the provider. */
export async function authorizationUrlOf(
  config: OidcConfig,
  options: { transaction: OidcTransaction; redirectUri: string },
): Promise<URL> {
  const server = await authorizationServerOf(config);
  if (!server.authorization_endpoint) {
    throw new UpstreamError("SSO provider's discovery document has no authorization_endpoint");
  }
  const { transaction } = options;
  const url = new URL(server.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("redirect_uri", options.redirectUri);
  url.searchParams.set("scope", config.scopes);
  url.searchParams.set("state", transaction.state);
  url.searchParams.set("nonce", transaction.nonce);
  url.searchParams.set(
    "code_challenge",
    await oauth.calculatePKCECodeChallenge(transaction.codeVerifier),
  );
  url.searchParams.set("code_challenge_method", "S256");
  return url;
}

/**
 * Exchanges the callback's code for tokens and returns the verified ID token's claims.
 *
 * @throws {OidcCallbackError} when any check fails.
 * @throws {UpstreamError} when the provider cannot be reached.
 */
export async function claimsOfCallback(
  config: OidcConfig,
  options: { callbackUrl: URL; redirectUri: string; transaction: OidcTransaction },
): Promise<Record<string, unknown>> {
  const server = await authorizationServerOf(config);
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = config.clientSecret
    ? oauth.ClientSecretBasic(config.clientSecret)
    : oauth.None();
  const http = requestOptions(config);

  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(
      server,
      client,
      options.callbackUrl,
      options.transaction.state,
    );
  } catch (cause) {
    if (cause instanceof oauth.AuthorizationResponseError) {
      throw new OidcCallbackError(
        "provider_refused",
        `the provider refused the sign-in (${cause.error})`,
        { cause },
      );
    }
    const isState = cause instanceof Error && /"state"/.test(cause.message);
    throw new OidcCallbackError(
      isState ? "state_mismatch" : "invalid_response",
      `SSO callback rejected (${codeOf(cause)})`,
      { cause },
    );
  }

  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientAuth,
      parameters,
      options.redirectUri,
      options.transaction.codeVerifier,
      http,
    );
  } catch (cause) {
    throw new UpstreamError(`SSO token endpoint unreachable (${codeOf(cause)})`, { cause });
  }
  try {
    const tokens = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: options.transaction.nonce,
      requireIdToken: true,
    });
    // Not required over TLS, but cheap, and it makes a forged token fail here too.
    await oauth.validateApplicationLevelSignature(server, response, http);
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    if (!claims) throw new Error("no ID token");
    return { ...claims };
  } catch (cause) {
    const isNonce = cause instanceof oauth.OperationProcessingError &&
      cause.code === oauth.JWT_CLAIM_COMPARISON && /"nonce"/.test(cause.message);
    throw new OidcCallbackError(
      isNonce ? "nonce_mismatch" : "invalid_response",
      `SSO token response rejected (${codeOf(cause)})`,
      { cause },
    );
  }
}

/** A short, secret-free label of a failure for messages and logs. */
function codeOf(cause: unknown): string {
  if (cause instanceof oauth.ResponseBodyError) return `${cause.code}: ${cause.error}`;
  if (cause && typeof cause === "object" && "code" in cause && typeof cause.code === "string") {
    return cause.code;
  }
  return cause instanceof Error ? cause.name : "unknown";
}
