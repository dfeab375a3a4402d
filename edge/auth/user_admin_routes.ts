/**
 * `/api/v1/users/:id`: what an admin changes about an operator, effective on
 * the operator's next request (user_standing.ts reads the row on every one):
 * role, disabled, "allow the next SSO sign-in with this email to link", and
 * `POST …/end-sessions`, which refuses every session issued before now.
 * Mounted behind the API's session and CSRF checks (edge/api/routes.ts).
 */
import { Hono } from "hono";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import { UpdateUserRequest } from "../../shared/schema/console.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { userStoreOf } from "../api/user_store.ts";
import type { AppEnv } from "../env.ts";
import { parseBody } from "../validation.ts";
import { requireOperator } from "./operator_session.ts";
import { forgetStanding } from "./user_standing.ts";

export const userAdminRoutes = new Hono<AppEnv>()
  .patch("/api/v1/users/:id", requireOperator("admin"), async (c) => {
    const change = await parseBody(c.req.raw, UpdateUserRequest);
    const id = c.req.param("id");
    const operator = c.get("operator");
    if (id === operator.sub && (change.isDisabled === true || change.role === "viewer")) {
      // An admin who disables or demotes themselves may leave nobody able to undo it.
      throw new ConflictError("you cannot disable or demote your own account; ask another admin");
    }
    const db = databaseOf(c.env);
    if (!await userStoreOf(db).update(id, change)) throw new NotFoundError(`no user ${id}`);
    forgetStanding(id);
    await recordAudit(db, {
      actor: actorOf(operator),
      action: "user.update",
      target: id,
      outcome: "ok",
      payload: { ...change },
    });
    return c.json({ id, ...change });
  })
  .post("/api/v1/users/:id/end-sessions", requireOperator("admin"), async (c) => {
    const id = c.req.param("id");
    const at = Date.now();
    const db = databaseOf(c.env);
    if (!await userStoreOf(db).endSessionsBefore(id, at)) throw new NotFoundError(`no user ${id}`);
    forgetStanding(id);
    const operator = c.get("operator");
    await recordAudit(db, {
      actor: actorOf(operator),
      action: "user.end_sessions",
      target: id,
      outcome: "ok",
      payload: { sessionsNotBefore: at },
    });
    return c.json({ id, sessionsNotBefore: at });
  });
