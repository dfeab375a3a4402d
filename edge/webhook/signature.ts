/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`.
 * WebCrypto's HMAC verify compares in constant time.
 */
import { BoundedMemo } from "../../shared/bounded_memo.ts";

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
 * keeps rotations from growing the memo in a long-lived isolate.
 */
const hmacKeys = new BoundedMemo<string, Promise<CryptoKey>>(4);

function hmacKeyOf(secret: string): Promise<CryptoKey> {
  return hmacKeys.get(secret, () =>
    crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    ));
}
