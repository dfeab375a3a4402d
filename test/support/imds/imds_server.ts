/**
 * A loopback instance metadata service speaking IMDSv2 as EC2 does: a session
 * token from `PUT /latest/api/token` (TTL header required), then every read
 * must present it in `X-aws-ec2-metadata-token` (401 otherwise). It serves
 * the instance id, the identity document and its `signature`, and the spot
 * interruption notice once a test sets one (404 until then).
 */
import type { IdentityDocumentFields, IdentitySigner } from "./identity_signer.ts";

export interface ImdsOptions {
  signer: IdentitySigner;
  identity: IdentityDocumentFields;
  /** Replaces the signature served, to play a forged or broken one. */
  signature?: string;
}

export interface Imds {
  url: string;
  /** The document as served, and its signature. */
  document: string;
  signature: string;
  /** Paths read with a valid token, in order. */
  reads: string[];
  /** From now on `spot/instance-action` answers this notice. */
  noticeSpot(action: { action: "terminate" | "stop" | "hibernate"; time: string }): void;
  stop(): Promise<void>;
}

export async function startImds(options: ImdsOptions): Promise<Imds> {
  const document = options.signer.document(options.identity);
  const signature = options.signature ?? await options.signer.sign(document);
  const tokens = new Set<string>();
  const reads: string[] = [];
  let spot: string | null = null;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/latest/api/token") {
      if (request.method !== "PUT") return new Response("", { status: 405 });
      const ttl = Number(request.headers.get("x-aws-ec2-metadata-token-ttl-seconds"));
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) {
        return new Response("", { status: 400 });
      }
      const token = btoa(crypto.randomUUID());
      tokens.add(token);
      return new Response(token);
    }
    if (request.method !== "GET") return new Response("", { status: 405 });
    if (!tokens.has(request.headers.get("x-aws-ec2-metadata-token") ?? "")) {
      return new Response("", { status: 401 });
    }
    reads.push(path);
    const text = (body: string | null) =>
      body === null ? new Response("", { status: 404 }) : new Response(body);
    switch (path) {
      case "/latest/meta-data/instance-id":
        return text(options.identity.instanceId);
      case "/latest/dynamic/instance-identity/document":
        return text(document);
      case "/latest/dynamic/instance-identity/signature":
        return text(signature);
      case "/latest/meta-data/spot/instance-action":
        return text(spot);
      default:
        return text(null);
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    document,
    signature,
    reads,
    noticeSpot(action) {
      spot = JSON.stringify(action);
    },
    stop: () => server.shutdown(),
  };
}
