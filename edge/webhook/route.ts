/**
 * `POST /webhook`: verify, validate, store durably, then answer.
 * Order matters: the signature is checked on the raw bytes before anything is
 * parsed, and the event is in the queue object before GitHub hears 2xx.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import {
  GantryError,
  InvalidError,
  UnauthorizedError,
  UnavailableError,
} from "../../shared/errors.ts";
import { parseWorkflowJobEvent } from "../../shared/schema/webhook.ts";
import type { AppEnv } from "../env.ts";
import { queueOf } from "../queue/queue_of.ts";
import { limitBody } from "../body_limit.ts";
import { settingsOf } from "../settings.ts";
import { githubServerUrlOf } from "./github_server.ts";
import { countRejection } from "./rejection_counter.ts";
import { isValidSignature } from "./signature.ts";
import { toWorkflowJobMessage } from "./to_message.ts";
import { edgeLog } from "../log.ts";

/** Kept for importers; the limit itself is read and checked in settings.ts. */
export { DEFAULT_WEBHOOK_MAX_BYTES } from "../settings.ts";

/**
 * Counts refusals for /metrics without delaying the answer or writing per
 * request. Mounted first, so a body over the limit counts too; the root
 * `onError` has already answered when `c.error` is read here.
 */
const countRefusals = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!c.error) return;
  const reason = c.error instanceof GantryError ? c.error.code : "internal";
  const flush = countRejection(c.env, reason);
  if (flush) c.executionCtx.waitUntil(flush);
});

export const webhookRoutes = new Hono<AppEnv>()
  .use("/webhook", countRefusals)
  .use("/webhook", limitBody("webhook body", (c) => settingsOf(c.env).WEBHOOK_MAX_BYTES))
  .post("/webhook", async (c) => {
    const body = await c.req.raw.arrayBuffer();
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
    const job = parseWorkflowJobEvent(json, { githubServerUrl: githubServerUrlOf(c.env) });
    const message = toWorkflowJobMessage(job, deliveryId, Date.now());
    const result = await queueOf(c.env).enqueue(message).catch((cause: unknown) => {
      // Not stored, so not accepted: GitHub marks the delivery failed and it can be redelivered.
      edgeLog.error("webhook not stored: the job queue failed", {
        deliveryId,
        error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
      });
      throw new UnavailableError(
        "the job queue did not store this delivery, so it was not accepted; redeliver it",
        { cause },
      );
    });
    // The accept line the core's lines about this job share a correlation id with. Opt-in:
    // one line per webhook halves ingest throughput under `wrangler dev` (bench, 2 cores).
    if (c.env.LOG_ACCEPTED_WEBHOOKS === "true") {
      edgeLog.info("webhook accepted", {
        deliveryId,
        correlationId: message.correlationId,
        action: message.action,
        status: result.status,
      });
    }
    return c.json({ status: result.status }, result.status === "queued" ? 202 : 200);
  });
