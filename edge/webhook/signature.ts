/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`.
 * WebCrypto's HMAC verify compares in constant time.
 */
const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** True when `header` is a valid signature of `body` under any of `secrets` (current, previous). */
export async function isValidSignature(
  body: ArrayBuffer,
  header: string | undefined,
  secrets: readonly string[],
): Promise<boolean> {
  if (!header?.startsWith("sha256=")) return false;
  const signature = hexToBytes(header.slice("sha256=".length));
  if (!signature) return false;
  for (const secret of secrets) {
    if (await crypto.subtle.verify("HMAC", await hmacKeyOf(secret), signature, body)) return true;
  }
  return false;
}

/**
 * Imported keys by secret, so a webhook costs one HMAC and no key import. A
 * deployment has at most two secrets (current, previous); the bound only
 * keeps rotations from growing the map in a long-lived isolate.
 */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 4;

function hmacKeyOf(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    // A failed import is not kept: the next webhook tries again.
    key.catch(() => hmacKeys.delete(secret));
    hmacKeys.set(secret, key);
  }
  return key;
}
