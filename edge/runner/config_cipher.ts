/**
 * JIT configs are stored encrypted (AES-256-GCM, WebCrypto) under
 * RUNNER_CONFIG_KEY, so a dump of the queue object's storage holds no usable
 * runner credentials.
 */
import { InvalidError } from "../../shared/errors.ts";

const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
    if (raw.length !== 32) {
      throw new InvalidError("RUNNER_CONFIG_KEY must be 32 bytes, base64-encoded");
    }
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(secret, key);
  }
  return key;
}

export interface Sealed {
  ciphertext: ArrayBuffer;
  iv: ArrayBuffer;
}

/** Encrypts `plaintext`, bound to `context` (the runner name) as associated data. */
export async function seal(secret: string, plaintext: string, context: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await keyOf(secret),
    new TextEncoder().encode(plaintext),
  );
  return { ciphertext, iv: iv.buffer };
}

export async function open(secret: string, sealed: Sealed, context: string): Promise<string> {
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.iv, additionalData: new TextEncoder().encode(context) },
    await keyOf(secret),
    sealed.ciphertext,
  );
  return new TextDecoder().decode(plaintext);
}
