/**
 * EC2 instance identity, verified as AWS documents it ("Verify the instance
 * identity document", base64-encoded signature): the `signature` IMDS
 * endpoint is SHA-256 with RSA (PKCS #1 v1.5) over the document's exact
 * bytes, checked with the public key of AWS's RSA certificate for the
 * document's region. jose extracts the key from the certificate and WebCrypto
 * verifies. A verified document names the one instance a request may act for.
 */
import { importX509 } from "jose";
import { z } from "zod";
import { ConfigError } from "../../shared/errors.ts";
import type { InstanceIdentityProof } from "../../shared/schema/runner.ts";

/** The value of INSTANCE_IDENTITY_CERTIFICATES that turns verification off (simulated stacks). */
export const IDENTITY_CHECK_OFF = "off";

/** Clock skew allowed between EC2's pendingTime and the core's token times. */
const SKEW_MS = 5 * 60_000;

const Certificates = z.record(
  z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "expected a region such as us-east-1"),
  z.string().includes("-----BEGIN CERTIFICATE-----"),
);

const IdentityDocument = z.object({
  instanceId: z.string(),
  region: z.string(),
  accountId: z.string(),
  pendingTime: z.iso.datetime(),
});
export type IdentityDocument = z.infer<typeof IdentityDocument>;

/** Why an identity was refused; 401 for no or unverifiable proof, 403 for a proof of someone else. */
export type IdentityRefusal =
  | { reason: "missing" | "malformed" | "bad_signature" | "expired"; status: 401; message: string }
  | { reason: "mismatch" | "unknown_region"; status: 403; message: string };

export type IdentityCheck =
  | { ok: true; document: IdentityDocument | null }
  | { ok: false; refusal: IdentityRefusal };

const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(pem: string): Promise<CryptoKey> {
  let key = keys.get(pem);
  if (!key) {
    key = importX509(pem, "RS256");
    keys.set(pem, key);
  }
  return key;
}

function bytesOf(base64: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(base64.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return null; // not base64: the caller answers "malformed"
  }
}

/** Parses INSTANCE_IDENTITY_CERTIFICATES: `off`, or a JSON object of region → PEM certificate. */
export function identityCertificatesOf(
  value: string | undefined,
): Record<string, string> | typeof IDENTITY_CHECK_OFF {
  if (value === IDENTITY_CHECK_OFF) return IDENTITY_CHECK_OFF;
  if (!value) {
    throw new ConfigError(
      "INSTANCE_IDENTITY_CERTIFICATES is not set: no runner config is handed out until it holds " +
        "AWS's RSA certificates per region (or `off` for a simulated stack)",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (cause) {
    throw new ConfigError("INSTANCE_IDENTITY_CERTIFICATES is not JSON", { cause });
  }
  const parsed = Certificates.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      `INSTANCE_IDENTITY_CERTIFICATES: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

/**
 * Checks that `proof` is AWS's signed identity of `instanceId`, launched
 * within `[launchedFrom, launchedUntil]` (the batch token's issue and expiry,
 * with clock skew): an older document is of an earlier instance.
 */
export async function checkInstanceIdentity(
  proof: InstanceIdentityProof | undefined,
  expected: {
    instanceId: string;
    launchedFrom: number;
    launchedUntil: number;
    certificates: Record<string, string> | typeof IDENTITY_CHECK_OFF;
  },
): Promise<IdentityCheck> {
  if (expected.certificates === IDENTITY_CHECK_OFF) return { ok: true, document: null };
  const refuse = (refusal: IdentityRefusal): IdentityCheck => ({ ok: false, refusal });
  if (!proof) {
    return refuse({
      reason: "missing",
      status: 401,
      message: "missing instance identity (the IMDS identity document and its signature)",
    });
  }
  const documentBytes = bytesOf(proof.document);
  const signature = bytesOf(proof.signature);
  let document: IdentityDocument | null = null;
  if (documentBytes) {
    try {
      const parsed = IdentityDocument.safeParse(
        JSON.parse(new TextDecoder().decode(documentBytes)),
      );
      if (parsed.success) document = parsed.data;
    } catch {
      document = null; // not JSON: refused as malformed below
    }
  }
  if (!documentBytes || !signature || !document) {
    return refuse({ reason: "malformed", status: 401, message: "unreadable identity document" });
  }
  const pem = expected.certificates[document.region];
  if (!pem) {
    return refuse({
      reason: "unknown_region",
      status: 403,
      message: `no identity certificate configured for region ${document.region}`,
    });
  }
  const isValid = await crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    await keyOf(pem),
    signature,
    documentBytes,
  );
  if (!isValid) {
    return refuse({
      reason: "bad_signature",
      status: 401,
      message: "the identity document's signature does not verify",
    });
  }
  if (document.instanceId !== expected.instanceId) {
    return refuse({
      reason: "mismatch",
      status: 403,
      message: "the identity document names another instance",
    });
  }
  const pendingAt = Date.parse(document.pendingTime);
  if (pendingAt < expected.launchedFrom - SKEW_MS || pendingAt > expected.launchedUntil + SKEW_MS) {
    return refuse({
      reason: "expired",
      status: 401,
      message: "the identity document is of an instance not launched by this batch's token",
    });
  }
  return { ok: true, document };
}
