/** `/api/v1/dead-letters`: events the queue gave up on, and putting them back. */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { NotFoundError } from "../../shared/errors.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { errorResponse } from "../errors.ts";
import { invalidFrom } from "../validation.ts";
import { queueOf } from "./queue_of.ts";

/** Cookie sessions need CSRF protection; bearer tokens cannot be sent by another site. */
const csrfUnlessBearer = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("authorization")?.startsWith("Bearer ")) return await next();
  return await csrf()(c, next);
});

const EventId = z.coerce.number().int().positive();

export const deadLetterRoutes = new Hono<AppEnv>()
  .get("/api/v1/dead-letters", requireOperator("viewer"), async (c) => {
    return c.json({ deadLetters: await queueOf(c.env).deadLetters(200) });
  })
  .post(
    "/api/v1/dead-letters/:eventId/requeue",
    csrfUnlessBearer,
    requireOperator("admin"),
    async (c) => {
      const parsed = EventId.safeParse(c.req.param("eventId"));
      if (!parsed.success) throw invalidFrom(parsed.error, "event id");
      if (!await queueOf(c.env).requeue(parsed.data)) {
        throw new NotFoundError(`no dead letter ${parsed.data}`);
      }
      return c.json({ status: "requeued", eventId: parsed.data });
    },
  )
  .onError((error, c) => errorResponse(c, error));
