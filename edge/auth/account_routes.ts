/**
 * A user's own account: setting a password through an invitation link
 * (no session: the link is the credential, once) and changing one's
 * password, which needs the current one and ends one's other sessions.
 * Under `/api/v1/auth/*`, which the API's session check leaves alone, so
 * the password change asks for a session itself.
 */
import { Hono } from "hono";
import { ConflictError, ForbiddenError, GoneError, NotFoundError } from "../../shared/errors.ts";
import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  ChangePasswordRequest,
  ChangePasswordResponse,
} from "../../shared/schema/users.ts";
import { describe } from "../openapi/describe.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { invitationStoreOf } from "../api/invitation_store.ts";
import { userStoreOf } from "../api/user_store.ts";
import { nowOf } from "../clock.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, readJsonBody } from "../validation.ts";
import { authConfigOf } from "./auth_config.ts";
import { invitationTokenHash } from "./invitation_token.ts";
import { loginThrottleOf } from "./login_throttle.ts";
import { requireOperator, startSession } from "./operator_session.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { forgetStanding } from "./user_standing.ts";

/** Each route's entry in the OpenAPI document. */
const docs = {
  accept: describe({
    summary: "Set a password through a one-time invitation link (audited)",
    access: "public",
    responses: { 200: AcceptInvitationResponse },
    refusals: [404, 409, 410],
  }),
  password: describe({
    summary: "Change your own password; the current one is required (audited)",
    access: "viewer",
    responses: { 200: ChangePasswordResponse },
    refusals: [409, 429],
  }),
};

export const accountRoutes = new Hono<AppEnv>()
  .post(
    "/api/v1/auth/invitations/accept",
    docs.accept,
    readJsonBody,
    jsonBody(AcceptInvitationRequest),
    async (c) => {
      const { token, password } = c.req.valid("json");
      const db = databaseOf(c.env);
      const result = await invitationStoreOf(db).accept(await invitationTokenHash(token), {
        passwordHash: await hashPassword(password),
        at: nowOf(c.env),
      });
      if (result.outcome === "unknown") {
        throw new NotFoundError(
          "no such invitation; check the link, or ask an admin for a new one",
        );
      }
      if (result.outcome === "used") {
        throw new GoneError("this invitation was already used; sign in with your password");
      }
      if (result.outcome === "expired") {
        throw new GoneError("this invitation has expired; ask an admin for a new one");
      }
      forgetStanding(result.userId);
      await recordAudit(db, {
        actor: result.email,
        action: "user.invite_accept",
        target: result.userId,
        outcome: "ok",
      });
      return c.json({ email: result.email });
    },
  )
  .post(
    "/api/v1/auth/password",
    docs.password,
    requireOperator("viewer"),
    readJsonBody,
    jsonBody(ChangePasswordRequest),
    async (c) => {
      const { currentPassword, newPassword } = c.req.valid("json");
      const operator = c.get("operator");
      const db = databaseOf(c.env);
      const users = userStoreOf(db);
      const user = await users.findById(operator.sub);
      if (!user) throw new NotFoundError("this account no longer exists");
      const attempt = { actor: actorOf(operator), action: "user.password_change", target: user.id };
      if (!user.passwordHash) {
        throw new ConflictError("this account signs in with SSO; it has no password to change");
      }
      const config = authConfigOf(c.env);
      const throttle = loginThrottleOf(c.env);
      const throttleKey = `password:${user.id}`;
      const admission = await throttle.admit(
        [{ key: throttleKey, limit: config.maxFailuresPerAccount }],
        config.windowMs,
      );
      if (!admission.isAdmitted) {
        await recordAudit(db, {
          ...attempt,
          outcome: "failed",
          payload: { reason: "rate_limited" },
        });
        const wait = admission.retryAfterSeconds;
        return c.json(
          {
            error: {
              code: "rate_limited",
              message: `too many wrong current passwords; try again in ${wait} s`,
            },
          },
          429,
          { "retry-after": String(wait) },
        );
      }
      if (!await verifyPassword(currentPassword, user.passwordHash)) {
        await recordAudit(db, {
          ...attempt,
          outcome: "failed",
          payload: { reason: "bad_password" },
        });
        throw new ForbiddenError("the current password is wrong; your password was not changed");
      }
      await throttle.succeeded(admission.attemptId, throttleKey);
      const at = Date.now();
      await users.setPassword(user.id, {
        passwordHash: await hashPassword(newPassword),
        sessionsNotBefore: at,
      });
      forgetStanding(user.id);
      // Every other session ends; this one goes on with a fresh cookie issued after `at`.
      await startSession(c, user, { ttlSeconds: config.sessionTtlSeconds });
      await recordAudit(db, { ...attempt, outcome: "ok", payload: { sessionsNotBefore: at } });
      return c.json({ sessionsNotBefore: at });
    },
  );
