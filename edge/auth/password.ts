/**
 * Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto, a random
 * 16-byte salt per user.
 *
 * Why a chain: deployed Workers refuse a single PBKDF2 call above 100,000
 * iterations ("iteration counts above 100000 are not supported";
 * cloudflare/workerd#1346), while OWASP asks 600,000 for PBKDF2-SHA256. Local
 * workerd has no such cap, so a plain 600k call would pass every test here
 * and fail in production. We therefore run `rounds` PBKDF2 calls of
 * `iterations` each, feeding each derived key in as the next call's password:
 * an attacker must still compute rounds × iterations HMACs in sequence per
 * guess, and any PBKDF2 library can verify the format.
 *
 * Stored as `pbkdf2-sha256$<iterations>$<rounds>$<salt b64>$<hash b64>`, so
 * the cost can rise later without invalidating old hashes.
 *
 * @module
 */

/** Work per hash: 6 × 100,000 = 600,000 iterations (OWASP 2023 for SHA-256). */
export const PASSWORD_ITERATIONS = 100_000;
export const PASSWORD_ROUNDS = 6;

const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BITS = 256;
/** Refuse stored costs a Worker could not compute or that look tampered with. */
const MAX_ITERATIONS = 100_000;
const MAX_ROUNDS = 20;

/** Hashes a new password with a fresh salt; returns the string to store. */
export async function hashPassword(
  password: string,
  options: { iterations?: number; rounds?: number } = {},
): Promise<string> {
  const iterations = options.iterations ?? PASSWORD_ITERATIONS;
  const rounds = options.rounds ?? PASSWORD_ROUNDS;
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(new TextEncoder().encode(password), salt, iterations, rounds);
  return [SCHEME, iterations, rounds, toBase64(salt), toBase64(hash)].join("$");
}

/**
 * Whether `password` matches `stored` (from {@link hashPassword}). A stored
 * value in an unknown format never matches. Compares in constant time.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const actual = await derive(
    new TextEncoder().encode(password),
    parsed.salt,
    parsed.iterations,
    parsed.rounds,
  );
  return constantTimeEqual(actual, parsed.hash);
}

/**
 * A well-formed hash of no one's password, for unknown accounts: verifying
 * against it costs what a real check costs, so timing does not reveal which
 * emails have accounts.
 */
export const DECOY_HASH = [
  SCHEME,
  PASSWORD_ITERATIONS,
  PASSWORD_ROUNDS,
  "AAAAAAAAAAAAAAAAAAAAAA==",
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
].join("$");

async function derive(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  rounds: number,
): Promise<Uint8Array> {
  let key = password;
  for (let round = 0; round < rounds; round++) {
    const material = await crypto.subtle.importKey(
      "raw",
      key as Uint8Array<ArrayBuffer>,
      "PBKDF2",
      false,
      ["deriveBits"],
    );
    key = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
        material,
        HASH_BITS,
      ),
    );
  }
  return key;
}

function parseStored(
  stored: string,
): { iterations: number; rounds: number; salt: Uint8Array; hash: Uint8Array } | null {
  const parts = stored.split("$");
  if (parts.length !== 5 || parts[0] !== SCHEME) return null;
  const iterations = Number(parts[1]);
  const rounds = Number(parts[2]);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) return null;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) return null;
  const salt = fromBase64(parts[3]);
  const hash = fromBase64(parts[4]);
  if (!salt || !hash || hash.length !== HASH_BITS / 8) return null;
  return { iterations, rounds, salt, hash };
}

/** Compares two byte strings without an early exit on the first difference. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  // Four-character groups only, so atob cannot throw on a bad length.
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
