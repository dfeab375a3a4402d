/** `/core/v1/*`: the lease protocol cores speak over outbound HTTPS. */
import { Hono } from "hono";
import { AckRequest, LeaseRequest, NackRequest } from "../../shared/schema/edge_core.ts";
import { requireCore } from "../auth/core_token.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import { queueOf } from "./queue_of.ts";

export const coreRoutes = new Hono<AppEnv>()
  .use("/core/*", requireCore, readJsonBody)
  .post("/core/v1/lease", jsonBody(LeaseRequest), async (c) => {
    const request = c.req.valid("json");
    const queue = queueOf(c.env);
    const events = await queue.lease(c.get("coreId"), request);
    // What is still waiting, so a core in a burst gathers before it launches.
    const backlog = events.length > 0 ? await queue.backlog() : 0;
    return c.json({ events, backlog });
  })
  .post("/core/v1/ack", jsonBody(AckRequest), async (c) => {
    const { leases } = c.req.valid("json");
    return c.json({ settled: await queueOf(c.env).ack(leases) });
  })
  .post("/core/v1/nack", jsonBody(NackRequest), async (c) => {
    const { leases, delayMs } = c.req.valid("json");
    return c.json({ settled: await queueOf(c.env).nack(leases, delayMs) });
  });
