/**
 * The first admin: `POST /api/v1/auth/bootstrap` with `Authorization: Bearer
 * <BOOTSTRAP_TOKEN>` creates an admin only while the users table is empty,
 * so a replayed or leaked request does nothing once anyone exists. There is
 * no default password anywhere.
 */
import { ConfigError } from "../../shared/errors.ts";
import { constantTimeEqual } from "./password.ts";

/** Below this a token could be guessed; the endpoint refuses to run with one. */
export const MIN_BOOTSTRAP_TOKEN_LENGTH = 32;

/**
 * Whether the `Authorization` header carries `secret`. Compares SHA-256
 * digests in constant time, so neither length nor content leaks by timing.
 *
 * @throws {ConfigError} when `secret` is shorter than 32 characters.
 */
export async function isBootstrapToken(
  header: string | undefined,
  secret: string,
): Promise<boolean> {
  if (secret.length < MIN_BOOTSTRAP_TOKEN_LENGTH) {
    throw new ConfigError(
      `BOOTSTRAP_TOKEN must be at least ${MIN_BOOTSTRAP_TOKEN_LENGTH} characters`,
    );
  }
  const presented = header?.startsWith("Bearer ") ? header.slice(7) : "";
  const [a, b] = await Promise.all([digest(presented), digest(secret)]);
  return presented.length > 0 && constantTimeEqual(a, b);
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
