/**
 * A stand-in for AWS's instance identity signing key: an RSA key pair and a
 * self-signed certificate made in the test (@peculiar/x509 over WebCrypto),
 * signing documents the way EC2 signs the `signature` IMDS endpoint: SHA-256
 * with RSA (PKCS #1 v1.5) over the document's exact bytes, base64 with line
 * breaks. The edge gets the certificate as AWS publishes its per-region ones.
 */
// @peculiar/x509 resolves its ASN.1 classes through tsyringe, which needs this polyfill first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

const RSA: RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

/** The fields of an identity document Gantry reads, plus the ones AWS always sends. */
export interface IdentityDocumentFields {
  instanceId: string;
  region?: string;
  accountId?: string;
  /** When the instance last entered `pending` (launch, or start after a stop). */
  pendingTime: Date;
  instanceType?: string;
  architecture?: string;
  imageId?: string;
}

export interface IdentitySigner {
  /** PEM certificate, as AWS publishes per region. */
  certificatePem: string;
  /** The document as IMDS serves it (pretty-printed JSON, as EC2 does). */
  document(fields: IdentityDocumentFields): string;
  /** The `signature` endpoint's body for `document`. */
  sign(document: string): Promise<string>;
}

/** A fresh signer; the certificate's dates are fixed, since only its key matters to Gantry. */
export async function createIdentitySigner(): Promise<IdentitySigner> {
  const keys = await crypto.subtle.generateKey(RSA, true, ["sign", "verify"]) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Gantry test instance identity, O=Test",
    notBefore: new Date("2026-01-01T00:00:00Z"),
    notAfter: new Date("2036-01-01T00:00:00Z"),
    signingAlgorithm: RSA,
    keys,
  });
  return {
    certificatePem: certificate.toString("pem"),
    document(fields) {
      return JSON.stringify(
        {
          accountId: fields.accountId ?? "123456789012",
          architecture: fields.architecture ?? "x86_64",
          availabilityZone: `${fields.region ?? "us-east-1"}a`,
          billingProducts: null,
          devpayProductCodes: null,
          marketplaceProductCodes: null,
          imageId: fields.imageId ?? "ami-0123456789abcdef0",
          instanceId: fields.instanceId,
          instanceType: fields.instanceType ?? "m7i.large",
          kernelId: null,
          pendingTime: fields.pendingTime.toISOString().replace(/\.\d{3}Z$/, "Z"),
          privateIp: "10.0.0.12",
          ramdiskId: null,
          region: fields.region ?? "us-east-1",
          version: "2017-09-30",
        },
        null,
        2,
      );
    },
    async sign(document) {
      const signature = new Uint8Array(
        await crypto.subtle.sign(RSA, keys.privateKey, new TextEncoder().encode(document)),
      );
      const base64 = btoa(String.fromCharCode(...signature));
      return base64.replace(/(.{64})/g, "$1\n").trimEnd();
    },
  };
}
