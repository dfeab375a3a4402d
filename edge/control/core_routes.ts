/**
 * `POST /core/v1/control`: the core's sibling of its lease call, every few
 * seconds. The core brings its metrics, how long ago it last leased, and
 * what came of the actions it was handed; it takes away the holds on
 * launching and the next actions to carry out. A core has no inbound port,
 * so this is how an operator's request reaches it.
 */
import { Hono } from "hono";
import { ControlAnswer, ControlCall } from "../../shared/schema/control.ts";
import { requireCore } from "../auth/core_token.ts";
import { databaseOf } from "../api/database.ts";
import { nowOf } from "../clock.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import { answerCore } from "./control_store.ts";

export const coreControlRoutes = new Hono<AppEnv>()
  .post("/core/v1/control", requireCore, readJsonBody, jsonBody(ControlCall), async (c) => {
    const call = c.req.valid("json");
    const now = nowOf(c.env);
    const answer = await answerCore(databaseOf(c.env), {
      coreId: c.get("coreId"),
      version: call.version,
      leasedAt: call.leaseAgeMs === null ? null : now - call.leaseAgeMs,
      metrics: call.metrics,
      results: call.results,
    }, now);
    const body: ControlAnswer = {
      holds: { isPaused: answer.isPaused, drainedPools: answer.drainedPools },
      actions: answer.actions,
    };
    return c.json(body);
  });
