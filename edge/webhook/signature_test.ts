/**
 * Webhook signature checks at their edges: the right HMAC passes; one that
 * differs only in its first or only in its last byte fails; no secret, an
 * empty list, a short or non-hex signature fail; and the comparison is
 * WebCrypto's HMAC `verify` (constant time), never a byte loop of our own.
 */
import assert from "node:assert/strict";
import { isValidSignature } from "./signature.ts";

const BODY = new TextEncoder().encode('{"action":"queued"}').buffer as ArrayBuffer;
const SECRET = "s3cret";

async function hmacHex(secret: string, body: ArrayBuffer): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `hex` with the byte at `index` changed (xor 1), so only that byte differs. */
function flipByte(hex: string, index: number): string {
  const byte = (parseInt(hex.slice(index * 2, index * 2 + 2), 16) ^ 1).toString(16)
    .padStart(2, "0");
  return hex.slice(0, index * 2) + byte + hex.slice(index * 2 + 2);
}

Deno.test("the right signature passes; one byte off at either end fails", async () => {
  const hex = await hmacHex(SECRET, BODY);
  assert.equal(await isValidSignature(BODY, `sha256=${hex}`, [SECRET]), true);
  assert.equal(await isValidSignature(BODY, `sha256=${hex.toUpperCase()}`, [SECRET]), true);
  assert.equal(await isValidSignature(BODY, `sha256=${flipByte(hex, 0)}`, [SECRET]), false);
  assert.equal(await isValidSignature(BODY, `sha256=${flipByte(hex, 31)}`, [SECRET]), false);
  assert.equal(await isValidSignature(BODY, `sha256=${flipByte(hex, 16)}`, [SECRET]), false);
});

Deno.test("any of the secrets may sign; none, or an unlisted one, may not", async () => {
  const byPrevious = `sha256=${await hmacHex("previous", BODY)}`;
  assert.equal(await isValidSignature(BODY, byPrevious, [SECRET, "previous"]), true);
  assert.equal(await isValidSignature(BODY, byPrevious, ["previous", SECRET]), true);
  assert.equal(await isValidSignature(BODY, byPrevious, [SECRET]), false);
  assert.equal(await isValidSignature(BODY, byPrevious, []), false, "no secret: nothing passes");
  const byUndefined = `sha256=${await hmacHex("undefined", BODY)}`;
  assert.equal(await isValidSignature(BODY, byUndefined, [SECRET]), false);
});

Deno.test("a malformed header fails before any key is made", async () => {
  const hex = await hmacHex(SECRET, BODY);
  const headers: (string | undefined)[] = [
    undefined,
    "",
    hex,
    `sha1=${hex}`,
    `SHA256=${hex}`,
    `sha256=${hex.slice(0, 62)}`,
    `sha256=${hex}00`,
    `sha256= ${hex.slice(1)}`,
    `sha256=${hex.slice(0, 62)}zz`,
    `sha256=${hex.slice(0, 62)}-1`,
    `xsha256=${hex}`,
  ];
  for (const header of headers) {
    assert.equal(await isValidSignature(BODY, header, [SECRET]), false, String(header));
  }
});

Deno.test("the comparison is WebCrypto's HMAC verify over the raw body", async () => {
  const hex = await hmacHex(SECRET, BODY);
  const subtle = crypto.subtle;
  const verify = subtle.verify.bind(subtle);
  const calls: { algorithm: unknown; signature: number[]; body: number }[] = [];
  const spy = (algorithm: unknown, key: CryptoKey, signature: BufferSource, data: BufferSource) => {
    calls.push({
      algorithm,
      signature: [...new Uint8Array(signature as ArrayBuffer)],
      body: (data as ArrayBuffer).byteLength,
    });
    return verify(algorithm as AlgorithmIdentifier, key, signature, data);
  };
  Object.defineProperty(subtle, "verify", { value: spy, configurable: true, writable: true });
  try {
    assert.equal(await isValidSignature(BODY, `sha256=${hex}`, ["other", SECRET]), true);
    assert.equal(await isValidSignature(BODY, `sha256=${flipByte(hex, 31)}`, [SECRET]), false);
  } finally {
    delete (subtle as { verify?: unknown }).verify;
  }
  assert.equal(Object.hasOwn(subtle, "verify"), false, "the spy is gone");
  const expected = [...Array(32)].map((_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  assert.deepEqual(calls.map((c) => c.algorithm), ["HMAC", "HMAC", "HMAC"]);
  assert.deepEqual(calls[0].signature, expected, "the header's bytes, decoded from hex");
  assert.deepEqual(calls.map((c) => c.body), [BODY.byteLength, BODY.byteLength, BODY.byteLength]);
});

Deno.test("keys are imported once per secret, never extractable, and not kept forever", async () => {
  const headers = new Map<string, string>();
  for (const secret of ["a", "b", "c", "d", "e", "steady"]) {
    headers.set(secret, `sha256=${await hmacHex(secret, BODY)}`);
  }
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  const imported: unknown[][] = [];
  Object.defineProperty(crypto.subtle, "importKey", {
    value: (
      ...args: Parameters<SubtleCrypto["importKey"]>
    ) => (imported.push(args.slice(2)), importKey(...args)),
    configurable: true,
    writable: true,
  });
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal(await isValidSignature(BODY, headers.get("steady"), ["steady"]), true);
    }
    assert.equal(imported.length, 1, "one import for three webhooks under one secret");
    // Five new secrets overflow the four kept, whatever was kept before: the first comes back.
    for (const secret of ["a", "b", "c", "d", "e", "a"]) {
      assert.equal(await isValidSignature(BODY, headers.get(secret), [secret]), true, secret);
    }
  } finally {
    delete (crypto.subtle as { importKey?: unknown }).importKey;
  }
  assert.equal(imported.length, 1 + 6, "a to e once each, then a again after the overflow");
  // Never extractable: the secret cannot be read back out of a key.
  assert.deepEqual(imported[0], [{ name: "HMAC", hash: "SHA-256" }, false, ["verify"]]);
});
