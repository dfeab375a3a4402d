/**
 * `gantry-core keygen`: makes a core's Ed25519 key pair. The private key goes
 * to a file only its owner can read; the public key is printed as the JWK set
 * the edge's `CORE_PUBLIC_KEYS` secret takes. No key ships in the repository.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

/** A core's key pair: the PKCS#8 PEM for the core, the JWK set for the edge. */
export async function generateCoreKeyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  return { privateKeyPem: await exportPKCS8(privateKey), jwks: { keys: [jwk] } };
}

/**
 * Writes a new private key to `out` (mode 0600; an existing file is never
 * overwritten, so a slip cannot lock a running core out) and returns the JWK set.
 */
export async function writeCoreKey(out: string, kid: string): Promise<string> {
  const pair = await generateCoreKeyPair(kid);
  const file = await Deno.open(out, { write: true, createNew: true, mode: 0o600 });
  try {
    await file.write(new TextEncoder().encode(pair.privateKeyPem));
  } finally {
    file.close();
  }
  return JSON.stringify(pair.jwks);
}
