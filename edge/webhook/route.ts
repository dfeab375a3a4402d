/**
 * `POST /webhook`: verify, validate, store durably, then answer.
 * Order matters: the signature is checked on the raw bytes before anything is
 * parsed, and the event is in the queue object before GitHub hears 2xx.
 */
import { Hono } from "hono";
import { GantryError, InvalidError, UnauthorizedError } from "../../shared/errors.ts";
import { parseWorkflowJobEvent } from "../../shared/schema/webhook.ts";
import type { AppEnv } from "../env.ts";
import { errorResponse } from "../errors.ts";
import { queueOf } from "../queue/queue_of.ts";
import { isValidSignature } from "./signature.ts";
import { toWorkflowJobMessage } from "./to_message.ts";

/** Default largest body: GitHub caps payloads at 25 MB, but workflow_job ones are a few KB. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 1024 * 1024;

class TooLargeError extends GantryError {
  constructor(limit: number) {
    super("too_large", `webhook body exceeds ${limit} bytes`);
  }
}

async function readLimited(request: Request, limit: number): Promise<ArrayBuffer> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new TooLargeError(limit);
  const body = await request.arrayBuffer();
  if (body.byteLength > limit) throw new TooLargeError(limit);
  return body;
}

export const webhookRoutes = new Hono<AppEnv>()
  .post("/webhook", async (c) => {
    const limit = Number(c.env.WEBHOOK_MAX_BYTES ?? DEFAULT_WEBHOOK_MAX_BYTES);
    const body = await readLimited(c.req.raw, limit);
    const secrets = [c.env.GITHUB_WEBHOOK_SECRET, c.env.GITHUB_WEBHOOK_SECRET_PREVIOUS]
      .filter((s): s is string => !!s);
    if (!await isValidSignature(body, c.req.header("x-hub-signature-256"), secrets)) {
      throw new UnauthorizedError("missing or invalid X-Hub-Signature-256");
    }
    const contentType = c.req.header("content-type") ?? "";
    if (!contentType.toLowerCase().startsWith("application/json")) {
      throw new GantryError(
        "unsupported_media_type",
        "set the webhook's content type to application/json",
      );
    }
    const deliveryId = c.req.header("x-github-delivery");
    if (!deliveryId || deliveryId.length > 128) {
      throw new InvalidError("missing or invalid X-GitHub-Delivery header");
    }
    const event = c.req.header("x-github-event");
    if (event === "ping") return c.json({ status: "pong" }, 200);
    if (event !== "workflow_job") return c.json({ status: "ignored", event }, 202);

    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch (cause) {
      throw new InvalidError("body is not valid JSON", { cause });
    }
    const action = (json as { action?: unknown } | null)?.action;
    if (!["queued", "waiting", "in_progress", "completed"].includes(String(action))) {
      return c.json({ status: "ignored", action: String(action) }, 202);
    }
    const message = toWorkflowJobMessage(parseWorkflowJobEvent(json), deliveryId, Date.now());
    const result = await queueOf(c.env).enqueue(message);
    // The accept line the core's lines about this job share a correlation id with. Opt-in:
    // one line per webhook halves ingest throughput under `wrangler dev` (bench, 2 cores).
    if (c.env.LOG_ACCEPTED_WEBHOOKS === "true") {
      console.log(JSON.stringify({
        level: "info",
        msg: "webhook accepted",
        deliveryId,
        correlationId: message.correlationId,
        action: message.action,
        status: result.status,
      }));
    }
    return c.json({ status: result.status }, result.status === "queued" ? 202 : 200);
  })
  .onError((error, c) => {
    // Count refusals for /metrics without delaying the answer.
    const reason = error instanceof GantryError ? error.code : "internal";
    c.executionCtx.waitUntil(queueOf(c.env).count(`webhook_rejected:${reason}`));
    return errorResponse(c, error);
  });
