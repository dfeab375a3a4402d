/**
 * `/api/v1/dead-letters`: events the queue gave up on, and putting them
 * back (admin only, refused cross-site, audited whether or not it worked).
 */
import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError } from "../../shared/errors.ts";
import { DeadLettersResponse, RequeueResponse } from "../../shared/schema/dead_letters.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { refuseCrossOrigin } from "../auth/cross_origin.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { describe } from "../openapi/describe.ts";
import { invalidFrom } from "../validation.ts";
import { queueOf } from "./queue_of.ts";

const EventId = z.coerce.number().int().positive();

const LIST = describe({
  summary: "Events the queue gave up on, newest first",
  access: "viewer",
  responses: { 200: DeadLettersResponse },
});

const REQUEUE = describe({
  summary: "Put a dead letter back with fresh deliveries (audited)",
  access: "admin",
  responses: { 200: RequeueResponse },
  refusals: [400, 404],
});

export const deadLetterRoutes = new Hono<AppEnv>()
  .get("/api/v1/dead-letters", LIST, requireOperator("viewer"), async (c) => {
    return c.json({ deadLetters: await queueOf(c.env).deadLetters(200) });
  })
  .post(
    "/api/v1/dead-letters/:eventId/requeue",
    REQUEUE,
    refuseCrossOrigin(),
    requireOperator("admin"),
    async (c) => {
      const parsed = EventId.safeParse(c.req.param("eventId"));
      if (!parsed.success) throw invalidFrom(parsed.error, "event id");
      const eventId = parsed.data;
      const isRequeued = await queueOf(c.env).requeue(eventId);
      const operator = c.get("operator");
      await recordAudit(databaseOf(c.env), {
        actor: actorOf(operator),
        action: "dead_letter.requeue",
        target: String(eventId),
        outcome: isRequeued ? "ok" : "failed",
        payload: isRequeued ? { eventId } : { eventId, reason: "not_found" },
      });
      if (!isRequeued) throw new NotFoundError(`no dead letter ${eventId}`);
      return c.json({ status: "requeued" as const, eventId });
    },
  );
