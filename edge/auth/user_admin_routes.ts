/**
 * `/api/v1/users` and `/api/v1/invitations`: what an admin does to operators.
 * List them; invite one (a one-time link); create one with a password;
 * change a role, disable and re-enable, allow an SSO link; delete; and end
 * someone's sessions. Changes take effect on the user's next request
 * (user_standing.ts reads the row on every one). The last enabled admin
 * cannot be disabled, demoted or deleted (409), themselves included: that
 * is what keeps someone able to undo any of it. Every change is audited, and
 * so is every refusal of one. Mounted behind the API's session and CSRF
 * checks (edge/api/routes.ts).
 */
import { type Context, Hono } from "hono";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import {
  CreateUserRequest,
  UpdateUserRequest,
  UserResponse,
  UsersListResponse,
} from "../../shared/schema/console.ts";
import {
  EndSessionsResponse,
  InviteUserRequest,
  InviteUserResponse,
} from "../../shared/schema/users.ts";
import { describe } from "../openapi/describe.ts";
import { actorOf, type AuditEntry, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { invitationStoreOf } from "../api/invitation_store.ts";
import { type GuardedOutcome, type UserChange, userStoreOf } from "../api/user_store.ts";
import { nowOf } from "../clock.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import {
  INVITATION_TTL_MS,
  invitationTokenHash,
  invitationUrl,
  newInvitationToken,
} from "./invitation_token.ts";
import { requireOperator } from "./operator_session.ts";
import { hashPassword } from "./password.ts";
import { forgetStanding } from "./user_standing.ts";

const admin = requireOperator("admin");

const LAST_ADMIN_MESSAGE =
  "this is the last enabled admin: make another user an admin first, so someone can still administer Gantry";

/** Each route's entry in the OpenAPI document. */
const docs = {
  users: describe({
    summary: "Console users and their pending invitations",
    access: "admin",
    responses: { 200: UsersListResponse },
  }),
  createUser: describe({
    summary: "Create a user with a password (audited)",
    access: "admin",
    responses: { 201: UserResponse },
    refusals: [409],
  }),
  invite: describe({
    summary:
      "Invite a user: the answer carries a one-time link; again for one who has not set a password (audited)",
    access: "admin",
    responses: { 201: InviteUserResponse },
    refusals: [409],
  }),
  update: describe({
    summary: "Change a user's role, name or standing; the last enabled admin is kept (audited)",
    access: "admin",
    responses: { 200: UserResponse },
    refusals: [404, 409],
  }),
  remove: describe({
    summary: "Delete a user; the last enabled admin is kept (audited)",
    access: "admin",
    responses: { 200: UserResponse },
    refusals: [404, 409],
  }),
  endSessions: describe({
    summary: "End every session of a user (audited)",
    access: "admin",
    responses: { 200: EndSessionsResponse },
    refusals: [404],
  }),
};

export const userAdminRoutes = new Hono<AppEnv>()
  .get("/api/v1/users", docs.users, admin, async (c) => {
    const db = databaseOf(c.env);
    const [users, pendingInvitations] = await Promise.all([
      userStoreOf(db).list(),
      invitationStoreOf(db).pending(nowOf(c.env)),
    ]);
    return c.json({ users, pendingInvitations });
  })
  .post(
    "/api/v1/users",
    docs.createUser,
    admin,
    readJsonBody,
    jsonBody(CreateUserRequest),
    async (c) => {
      const request = c.req.valid("json");
      const db = databaseOf(c.env);
      const user = await userStoreOf(db).create({
        email: request.email,
        name: request.name,
        role: request.role,
        passwordHash: await hashPassword(request.password),
      }, Date.now());
      await audit(c, { action: "user.create", target: user.id, outcome: "ok" }, {
        email: user.email,
        role: user.role,
      });
      return c.json({ user }, 201);
    },
  )
  .post(
    "/api/v1/invitations",
    docs.invite,
    admin,
    readJsonBody,
    jsonBody(InviteUserRequest),
    async (c) => {
      const request = c.req.valid("json");
      const at = nowOf(c.env);
      const token = newInvitationToken();
      const expiresAt = at + INVITATION_TTL_MS;
      const { user, isReissue } = await invitationStoreOf(databaseOf(c.env)).invite(request, {
        tokenHash: await invitationTokenHash(token),
        at,
        expiresAt,
      });
      // Never the token or link: the log must not hold a working invitation.
      await audit(c, { action: "user.invite", target: user.id, outcome: "ok" }, {
        email: user.email,
        role: user.role,
        expiresAt,
        ...(isReissue ? { isReissue } : {}),
      });
      const url = invitationUrl(new URL(c.req.url).origin, token);
      return c.json({ user, invitation: { url, expiresAt } }, 201);
    },
  )
  .patch(
    "/api/v1/users/:id",
    docs.update,
    admin,
    readJsonBody,
    jsonBody(UpdateUserRequest),
    async (c) => {
      const change = c.req.valid("json");
      const id = c.req.param("id");
      const actions = actionsOf(change);
      const db = databaseOf(c.env);
      const result = await userStoreOf(db).updateKeepingAnAdmin(id, change);
      const before = await settle(c, result, { actions, id });
      forgetStanding(id);
      for (const [action, payload] of actions) {
        const detail = action === "user.role" ? { from: before.role, to: change.role } : payload;
        await audit(c, { action, target: id, outcome: "ok" }, { email: before.email, ...detail });
      }
      return c.json({ user: { ...before, ...change } });
    },
  )
  .delete("/api/v1/users/:id", docs.remove, admin, async (c) => {
    const id = c.req.param("id");
    const actions: [string, Record<string, unknown>][] = [["user.delete", {}]];
    const result = await userStoreOf(databaseOf(c.env)).delete(id);
    const before = await settle(c, result, { actions, id });
    forgetStanding(id);
    await audit(c, { action: "user.delete", target: id, outcome: "ok" }, {
      email: before.email,
      role: before.role,
    });
    return c.json({ user: before });
  })
  .post("/api/v1/users/:id/end-sessions", docs.endSessions, admin, async (c) => {
    const id = c.req.param("id");
    const at = Date.now();
    const db = databaseOf(c.env);
    if (!await userStoreOf(db).endSessionsBefore(id, at)) throw new NotFoundError(`no user ${id}`);
    forgetStanding(id);
    await audit(c, { action: "user.end_sessions", target: id, outcome: "ok" }, {
      sessionsNotBefore: at,
    });
    return c.json({ id, sessionsNotBefore: at });
  });

/** The audited actions a change makes, each with what its row records. */
function actionsOf(change: UserChange): [string, Record<string, unknown>][] {
  const actions: [string, Record<string, unknown>][] = [];
  if (change.isDisabled !== undefined) {
    actions.push([change.isDisabled ? "user.disable" : "user.enable", {}]);
  }
  if (change.role !== undefined) actions.push(["user.role", { to: change.role }]);
  if (change.allowsSsoLink !== undefined) {
    actions.push(["user.sso_link", { allowsSsoLink: change.allowsSsoLink }]);
  }
  return actions;
}

/** The user as it was, or the 404 or 409 (audited) a guarded write came to. */
async function settle(
  c: Context<AppEnv>,
  result: GuardedOutcome,
  attempt: { actions: [string, Record<string, unknown>][]; id: string },
) {
  if (result.outcome === "not_found") throw new NotFoundError(`no user ${attempt.id}`);
  if (result.outcome === "last_admin") {
    await refuse(c, attempt.actions, attempt.id, "last_admin");
    throw new ConflictError(LAST_ADMIN_MESSAGE);
  }
  return result.before;
}

/** One failed row per refused action. */
async function refuse(
  c: Context<AppEnv>,
  actions: [string, Record<string, unknown>][],
  target: string,
  reason: string,
): Promise<void> {
  for (const [action, payload] of actions) {
    await audit(c, { action, target, outcome: "failed" }, { ...payload, reason });
  }
}

function audit(
  c: Context<AppEnv>,
  entry: Omit<AuditEntry, "actor" | "payload">,
  payload: Record<string, unknown>,
): Promise<void> {
  return recordAudit(databaseOf(c.env), {
    ...entry,
    actor: actorOf(c.get("operator")),
    payload,
  });
}
