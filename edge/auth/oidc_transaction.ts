/**
 * One SSO sign-in in flight: the PKCE code verifier, `state`, `nonce` and
 * the page to return to, kept between the redirect to the provider and its
 * callback in a short-lived cookie, encrypted (A256GCM) with a key derived
 * from SESSION_SECRET so neither the browser nor anyone else reads or forges it.
 *
 * The cookie is SameSite=Lax, not Strict: the callback is a top-level
 * navigation coming from the provider's site, which never carries Strict
 * cookies. It is scoped to the SSO paths and cleared by the callback, so it
 * is good for one attempt within ten minutes.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { EncryptJWT, jwtDecrypt } from "jose";
import { z } from "zod";
import type { AppEnv } from "../env.ts";

export const TRANSACTION_COOKIE = "gantry_oidc";
const COOKIE_PATH = "/api/v1/auth/oidc/";
const TTL_SECONDS = 600;

/** What the callback needs to finish the sign-in it started. */
export const OidcTransaction = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43),
  /** A path on this console (already checked by {@link safeNextPath}). */
  next: z.string(),
});
/** A parsed transaction. */
export type OidcTransaction = z.infer<typeof OidcTransaction>;

/** Seals `transaction` into the cookie. */
export async function saveTransaction(
  c: Context<AppEnv>,
  transaction: OidcTransaction,
): Promise<void> {
  const sealed = await new EncryptJWT({ ...transaction })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .encrypt(await transactionKey(c.env.SESSION_SECRET));
  setCookie(c, TRANSACTION_COOKIE, sealed, {
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    path: COOKIE_PATH,
    maxAge: TTL_SECONDS,
  });
}

/**
 * The transaction this browser started, then forgets it (one callback per
 * start). Null when there is none, it expired, or it does not decrypt.
 */
export async function takeTransaction(c: Context<AppEnv>): Promise<OidcTransaction | null> {
  const sealed = getCookie(c, TRANSACTION_COOKIE);
  deleteCookie(c, TRANSACTION_COOKIE, {
    path: COOKIE_PATH,
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
  });
  if (!sealed) return null;
  try {
    const { payload } = await jwtDecrypt(sealed, await transactionKey(c.env.SESSION_SECRET), {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    const parsed = OidcTransaction.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch (_unreadable) {
    // Expired, tampered with, or sealed under an old SESSION_SECRET: start again.
    return null;
  }
}

export { safeNextPath } from "../../shared/auth/next_path.ts";

async function transactionKey(secret: string): Promise<Uint8Array> {
  const material = new TextEncoder().encode(`gantry oidc transaction\0${secret}`);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", material));
}
