/**
 * A local OpenID Connect provider standing in for Okta, Entra ID, Google…
 * in the console's SSO tests. It speaks the real protocol, so the edge's
 * unmodified oauth4webapi client runs against it:
 *
 * - `GET /.well-known/openid-configuration`: the discovery document;
 * - `GET /jwks`: the public key its ID tokens are signed with (RS256);
 * - `GET /authorize`: checks the client, redirect URI, scope and PKCE
 *   challenge (S256 only), then redirects straight back with a one-time code
 *   and the `state` (no login form: the test says who signs in with {@link OidcProvider.signInAs});
 * - `POST /token`: checks the client secret (HTTP Basic), the code, the
 *   redirect URI and the PKCE verifier against the challenge, and answers
 *   with a real signed ID token (jose) carrying the `nonce` sent to /authorize.
 *
 * Knobs in {@link OidcProvider.tamper} make it misbehave the ways an attacker
 * or a broken provider would, so tests can see the edge refuse.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** Who the next authorization signs in as: claims that go into the ID token. */
export interface OidcUser {
  sub: string;
  email?: string;
  /**
   * Unset: `true` when there is an email, as Google, Okta and Entra send it.
   * `null`: leave the claim out, as some providers do.
   */
  email_verified?: boolean | null;
  name?: string;
  groups?: string[];
}

/** Ways to make the provider lie. */
export interface OidcTampering {
  /** Redirect back with this `state` instead of the one received. */
  state?: string;
  /** Put this `nonce` in the ID token instead of the one received. */
  nonce?: string;
  /** Sign the ID token with a key that is not in the JWKS. */
  isSignedWithUnknownKey?: boolean;
}

/** One code exchanged at the token endpoint, as the provider judged it. */
export interface TokenExchange {
  clientId: string | null;
  isClientAuthenticated: boolean;
  isPkceVerified: boolean;
  status: number;
}

/** A running provider. */
export interface OidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Every /authorize request's query, in order. */
  readonly authorizations: URLSearchParams[];
  /** Every /token request, in order. */
  readonly exchanges: TokenExchange[];
  /** Registers a client callback (exact match, as real providers do). */
  registerRedirectUri(uri: string): void;
  /** The identity the next /authorize signs in as. */
  signInAs(user: OidcUser): void;
  tamper: OidcTampering;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  user: OidcUser;
  expiresAt: number;
}

/**
 * Starts the provider on loopback. `host` names the issuer:
 * `localhost` (the default) makes the provider another site than an edge on
 * 127.0.0.1, as a real provider is.
 */
export async function startOidcProvider(
  options: { host?: string; clientId?: string; clientSecret?: string } = {},
): Promise<OidcProvider> {
  const redirectUris = new Set<string>();
  const clientId = options.clientId ?? "gantry-console";
  const clientSecret = options.clientSecret ?? "stand-in-client-secret-0123456789";
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const unknownKey = (await generateKeyPair("RS256")).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "stand-in-1", alg: "RS256", use: "sig" };
  const codes = new Map<string, PendingCode>();
  const authorizations: URLSearchParams[] = [];
  const exchanges: TokenExchange[] = [];
  let user: OidcUser = { sub: "nobody" };
  let issuer = "";

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  const tokenError = (error: string, description: string, status = 400) =>
    json({ error, error_description: description }, status);

  function authorize(url: URL): Response {
    const query = url.searchParams;
    authorizations.push(new URLSearchParams(query));
    const redirectUri = query.get("redirect_uri") ?? "";
    // Before a redirect URI is trusted, errors are shown here, never redirected.
    if (query.get("client_id") !== clientId) return new Response("unknown client", { status: 400 });
    if (!redirectUris.has(redirectUri)) {
      return new Response("redirect_uri not registered", { status: 400 });
    }
    const back = new URL(redirectUri);
    const fail = (error: string) => {
      back.searchParams.set("error", error);
      if (query.has("state")) back.searchParams.set("state", query.get("state")!);
      back.searchParams.set("iss", issuer);
      return Response.redirect(back.href, 302);
    };
    if (query.get("response_type") !== "code") return fail("unsupported_response_type");
    if (!query.get("scope")?.split(" ").includes("openid")) return fail("invalid_scope");
    const codeChallenge = query.get("code_challenge");
    if (!codeChallenge || query.get("code_challenge_method") !== "S256") {
      return fail("invalid_request");
    }
    const code = crypto.randomUUID();
    codes.set(code, {
      clientId,
      redirectUri,
      codeChallenge,
      nonce: query.get("nonce"),
      user,
      expiresAt: Date.now() + 60_000,
    });
    back.searchParams.set("code", code);
    const state = provider.tamper.state ?? query.get("state");
    if (state !== null) back.searchParams.set("state", state);
    back.searchParams.set("iss", issuer);
    return Response.redirect(back.href, 302);
  }

  async function token(request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    const exchange: TokenExchange = {
      clientId: null,
      isClientAuthenticated: false,
      isPkceVerified: false,
      status: 400,
    };
    exchanges.push(exchange);
    const basic = request.headers.get("authorization") ?? "";
    if (basic.startsWith("Basic ")) {
      const [id, secret] = atob(basic.slice(6)).split(":").map(decodeURIComponent);
      exchange.clientId = id;
      exchange.isClientAuthenticated = id === clientId && secret === clientSecret;
    }
    if (!exchange.isClientAuthenticated) {
      exchange.status = 401;
      return tokenError("invalid_client", "client authentication failed", 401);
    }
    if (form.get("grant_type") !== "authorization_code") {
      return tokenError("unsupported_grant_type", "only authorization_code");
    }
    const code = form.get("code") ?? "";
    const pending = codes.get(code);
    codes.delete(code); // one use, whatever happens next
    if (!pending || pending.expiresAt < Date.now()) {
      return tokenError("invalid_grant", "unknown or used code");
    }
    if (form.get("redirect_uri") !== pending.redirectUri) {
      return tokenError("invalid_grant", "redirect_uri differs from the authorization request");
    }
    const verifier = form.get("code_verifier") ?? "";
    exchange.isPkceVerified = verifier.length >= 43 &&
      await s256(verifier) === pending.codeChallenge;
    if (!exchange.isPkceVerified) return tokenError("invalid_grant", "PKCE verification failed");

    const claims: Record<string, unknown> = { ...pending.user };
    if (pending.user.email_verified === undefined && pending.user.email) {
      claims.email_verified = true;
    }
    if (pending.user.email_verified === null) delete claims.email_verified;
    const nonce = provider.tamper.nonce ?? pending.nonce;
    if (nonce !== null) claims.nonce = nonce;
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(pending.clientId)
      .setSubject(pending.user.sub)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(provider.tamper.isSignedWithUnknownKey ? unknownKey : privateKey);
    exchange.status = 200;
    return json({
      access_token: crypto.randomUUID(),
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    });
  }

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "email", "profile", "groups"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code"],
        authorization_response_iss_parameter_supported: true,
        claims_supported: ["sub", "email", "email_verified", "name", "groups", "nonce"],
      });
    }
    if (request.method === "GET" && url.pathname === "/jwks") return json({ keys: [jwk] });
    if (request.method === "GET" && url.pathname === "/authorize") return authorize(url);
    if (request.method === "POST" && url.pathname === "/token") return await token(request);
    return new Response("not found", { status: 404 });
  };

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, handler);
  const addr = await listening;
  issuer = `http://${options.host ?? "localhost"}:${addr.port}`;

  const provider: OidcProvider = {
    issuer,
    clientId,
    clientSecret,
    authorizations,
    exchanges,
    registerRedirectUri(uri) {
      redirectUris.add(uri);
    },
    signInAs(next) {
      user = next;
    },
    tamper: {},
    close: () => server.shutdown(),
  };
  return provider;
}

/** The S256 PKCE challenge of `verifier`: base64url(SHA-256(verifier)). */
export async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
