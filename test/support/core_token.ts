/** A core's side of the lease protocol, for tests that drive the edge directly. */
import { importPKCS8, SignJWT } from "jose";
import { CORE_TOKEN_AUDIENCE, type LeasedEvent } from "../../shared/schema/edge_core.ts";

/** A core token; options let a test forge expired, wrong-audience or wrong-key tokens. */
export async function coreToken(
  privateKeyPem: string,
  options: { subject?: string; audience?: string; expiresInS?: number; issuedAtS?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = options.issuedAtS ?? now;
  return await new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject(options.subject ?? "core-test")
    .setAudience(options.audience ?? CORE_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInS ?? 60))
    .sign(await importPKCS8(privateKeyPem, "EdDSA"));
}

/** POSTs to a /core/v1 route with a valid token. */
export async function corePost(
  edgeUrl: string,
  privateKeyPem: string,
  path: string,
  body: unknown,
): Promise<Response> {
  return await fetch(`${edgeUrl}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await coreToken(privateKeyPem)}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

/** Leases every ready event without waiting, and acks them so the queue is empty after. */
export async function leaseAll(edgeUrl: string, privateKeyPem: string): Promise<LeasedEvent[]> {
  const response = await corePost(edgeUrl, privateKeyPem, "/core/v1/lease", {
    max: 500,
    waitMs: 0,
  });
  if (response.status !== 200) {
    throw new Error(`lease: ${response.status} ${await response.text()}`);
  }
  const { events } = await response.json() as { events: LeasedEvent[] };
  if (events.length > 0) {
    const ack = await corePost(edgeUrl, privateKeyPem, "/core/v1/ack", {
      leases: events.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId })),
    });
    await ack.body?.cancel();
  }
  return events;
}

/** The GitHub job id a leased `workflow_job` event carries; throws on any other kind. */
export function githubJobIdOf(event: LeasedEvent): number {
  if (event.message.type !== "workflow_job") {
    throw new Error(`expected a workflow_job event, got ${event.message.type}`);
  }
  return event.message.job.githubJobId;
}
