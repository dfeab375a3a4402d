/**
 * GitHub App authentication as GitHub enforces it: an RS256 JWT signed with
 * the app's private key for `/app/...` endpoints, and short-lived installation
 * tokens (`ghs_...`) for everything an installation may touch. Rejections carry
 * GitHub's own messages, which `@octokit/auth-app` matches on to correct clock
 * skew.
 *
 * @module
 */
import { compactVerify, exportPKCS8, generateKeyPair } from "jose";

/** Lifetime GitHub gives an installation token. */
export const INSTALLATION_TOKEN_TTL_MS = 60 * 60 * 1000;

/** A refusal GitHub answers with 401 and this message. */
export class AuthRejection extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthRejection";
  }
}

/** The key pair of the fake GitHub App. */
export interface AppKeys {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), as `@octokit/auth-app` accepts it. */
  privateKeyPem: string;
  publicKey: CryptoKey;
}

/** Generate a fresh 2048-bit RSA key pair for an app. */
export async function generateAppKeys(): Promise<AppKeys> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", {
    modulusLength: 2048,
    extractable: true,
  });
  return { privateKeyPem: await exportPKCS8(privateKey), publicKey };
}

/** The credential on a request, by kind. */
export type Credential =
  | { kind: "none" }
  | { kind: "jwt"; token: string }
  | { kind: "token"; token: string };

/** Classify an `Authorization` header: `Bearer <jwt>`, `token ghs_...` or `Bearer ghs_...`. */
export function credentialOf(header: string | undefined): Credential {
  const match = /^(bearer|token)\s+(\S+)\s*$/i.exec(header ?? "");
  if (match === null) return { kind: "none" };
  const token = match[2];
  // A JWT has three dot-separated parts; installation tokens never contain a dot.
  return token.split(".").length === 3 ? { kind: "jwt", token } : { kind: "token", token };
}

/**
 * Check an app JWT: signed RS256 by the app's key, `iss` the app id (or client
 * id), `iat` not in the future, `exp` in the future and at most ten minutes
 * out. GitHub allows 60 s of clock drift, and so does this.
 */
export async function verifyAppJwt(
  jwt: string,
  app: { appId: number; clientId: string; publicKey: CryptoKey },
  now = Math.floor(Date.now() / 1000),
): Promise<void> {
  let payload: Record<string, unknown>;
  try {
    const verified = await compactVerify(jwt, app.publicKey, { algorithms: ["RS256"] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch (error) {
    throw new AuthRejection("A JSON web token could not be decoded", { cause: error });
  }
  const { iss, iat, exp } = payload;
  if (iss !== app.appId && iss !== String(app.appId) && iss !== app.clientId) {
    throw new AuthRejection("Integration not found");
  }
  if (typeof iat !== "number" || !Number.isInteger(iat) || iat > now + 60) {
    throw new AuthRejection(
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  }
  if (typeof exp !== "number" || exp <= now - 60) {
    throw new AuthRejection(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  }
  if (exp > now + 600 + 60) {
    throw new AuthRejection("'Expiration time' claim ('exp') is too far in the future");
  }
}

/** What an installation token grants. */
export interface InstallationGrant {
  installationId: number;
  expiresAt: number;
  /** Repository names the token is limited to; undefined means all the installation covers. */
  repositories?: string[];
  permissions: Record<string, string>;
}

/** Installation tokens issued by the fake. */
export class InstallationTokens {
  readonly #grants = new Map<string, InstallationGrant>();

  /** Issue a token for `grant` without its expiry; returns the token and its grant. */
  issue(grant: Omit<InstallationGrant, "expiresAt">): { token: string; grant: InstallationGrant } {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    const token = `ghs_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const full = { ...grant, expiresAt: Date.now() + INSTALLATION_TOKEN_TTL_MS };
    this.#grants.set(token, full);
    return { token, grant: full };
  }

  /** The grant behind a live token; throws {@link AuthRejection} ("Bad credentials") otherwise. */
  verify(token: string): InstallationGrant {
    const grant = this.#grants.get(token);
    if (grant === undefined || grant.expiresAt <= Date.now()) {
      throw new AuthRejection("Bad credentials");
    }
    return grant;
  }

  /** Make every token of `installationId` expire now (to exercise token refresh). */
  expireAll(installationId?: number): void {
    for (const grant of this.#grants.values()) {
      if (installationId === undefined || grant.installationId === installationId) {
        grant.expiresAt = 0;
      }
    }
  }
}
