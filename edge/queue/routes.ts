/** `/core/v1/*`: the lease protocol cores speak over outbound HTTPS. */
import { Hono } from "hono";
import { AckRequest, LeaseRequest, NackRequest } from "../../shared/schema/edge_core.ts";
import { requireCore } from "../auth/core_token.ts";
import type { AppEnv } from "../env.ts";
import { parseBody } from "../validation.ts";
import { queueOf } from "./queue_of.ts";

export const coreRoutes = new Hono<AppEnv>()
  .use("/core/*", requireCore)
  .post("/core/v1/lease", async (c) => {
    const request = await parseBody(c.req.raw, LeaseRequest);
    const queue = queueOf(c.env);
    const events = await queue.lease(c.get("coreId"), request);
    // What is still waiting, so a core in a burst gathers before it launches.
    const backlog = events.length > 0 ? await queue.backlog() : 0;
    return c.json({ events, backlog });
  })
  .post("/core/v1/ack", async (c) => {
    const { leases } = await parseBody(c.req.raw, AckRequest);
    return c.json({ settled: await queueOf(c.env).ack(leases) });
  })
  .post("/core/v1/nack", async (c) => {
    const { leases, delayMs } = await parseBody(c.req.raw, NackRequest);
    return c.json({ settled: await queueOf(c.env).nack(leases, delayMs) });
  });
