/**
 * User management (issue 13.4) in workerd against libSQL: invitations with
 * a one-time link, disable and re-enable, role changes, deletion, the last
 * enabled admin kept, a user's own password change, and an audit row for
 * each of them.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { auditEvents, userInvitations } from "../../shared/db/schema.ts";
import { invitationTokenHash } from "../../edge/auth/invitation_token.ts";
import { operatorToken, testOperatorId } from "../support/operator.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  login,
  SESSION_SECRET,
  sessionCookieOf,
  startConsoleStack,
} from "./stack.ts";

const NOW = testNow();
const WEEK_MS = 7 * 24 * 3600_000;
const LAST_ADMIN =
  "this is the last enabled admin: make another user an admin first, so someone can still administer Gantry";

/** A JSON call as the console makes it: `auth` is a session cookie or a Bearer token. */
async function call(
  stack: ConsoleStack,
  path: string,
  init: { method?: string; auth?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> | null; response: Response }> {
  const headers: Record<string, string> = {};
  if (init.auth?.startsWith("__Host-")) headers.cookie = init.auth;
  else if (init.auth) headers.authorization = `Bearer ${init.auth}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${stack.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, response };
}

async function auditOf(stack: ConsoleStack, target: string) {
  const rows = await stack.db.select().from(auditEvents).where(eq(auditEvents.target, target))
    .orderBy(auditEvents.id);
  return rows.filter((row) => row.action.startsWith("user."))
    .map((row) => [row.action, row.outcome, row.payload]);
}

Deno.test("user management: invite, disable, role, delete, last admin, own password", async (t) => {
  const stack = await startConsoleStack(fixedClockVars(NOW));
  try {
    assert.equal((await bootstrap(stack.url, ADMIN)).status, 201);
    const admin = sessionCookieOf(await login(stack.url, ADMIN));
    const viewer = await operatorToken(SESSION_SECRET, "viewer");
    const dana = { email: "dana@example.com", password: "dana's own password 1" };
    let danaId = "";

    await t.step("an invitation's link sets the password once; a second use is 410", async () => {
      const invited = await call(stack, "/api/v1/invitations", {
        method: "POST",
        auth: admin,
        body: { email: "Dana@Example.com", role: "viewer", name: "Dana" },
      });
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      const { user, invitation } = invited.body as {
        user: { id: string; email: string; role: string; name: string };
        invitation: { url: string; expiresAt: number };
      };
      danaId = user.id;
      assert.deepEqual([user.email, user.role, user.name], ["dana@example.com", "viewer", "Dana"]);
      assert.equal(invitation.expiresAt, NOW + WEEK_MS, "a week from the edge's clock");
      const match = new RegExp(`^${stack.url}/invite#token=([A-Za-z0-9_-]{43})$`)
        .exec(invitation.url);
      assert.ok(match, invitation.url);
      const token = match[1];
      const [stored] = await stack.db.select().from(userInvitations)
        .where(eq(userInvitations.userId, danaId));
      assert.equal(stored.tokenHash, await invitationTokenHash(token), "only the hash is stored");
      assert.deepEqual([stored.createdAt, stored.expiresAt, stored.usedAt], [
        NOW,
        NOW + WEEK_MS,
        null,
      ]);

      const list = await call(stack, "/api/v1/users", { auth: admin });
      assert.deepEqual(list.body?.pendingInvitations, [
        { userId: danaId, expiresAt: NOW + WEEK_MS },
      ]);
      assert.equal((await login(stack.url, dana)).status, 401, "no password yet");

      const accept = (body: unknown) =>
        call(stack, "/api/v1/auth/invitations/accept", { method: "POST", body });
      const accepted = await accept({ token, password: dana.password });
      assert.deepEqual([accepted.status, accepted.body], [200, { email: "dana@example.com" }]);
      assert.equal((await login(stack.url, dana)).status, 200);
      const again = await accept({ token, password: "another password 123" });
      assert.deepEqual([again.status, again.body], [410, {
        error: {
          code: "gone",
          message: "this invitation was already used; sign in with your password",
        },
      }]);
      assert.equal((await login(stack.url, dana)).status, 200, "the first password stands");
      const unknown = await accept({ token: "A".repeat(43), password: dana.password });
      assert.deepEqual([unknown.status, unknown.body], [404, {
        error: {
          code: "not_found",
          message: "no such invitation; check the link, or ask an admin for a new one",
        },
      }]);
      const short = await accept({ token: "A".repeat(43), password: "short" });
      assert.equal(short.status, 400);
      assert.deepEqual((short.body?.error as { issues: unknown }).issues, [
        { path: "password", message: "use at least 12 characters" },
      ]);
      const listed = await call(stack, "/api/v1/users", { auth: admin });
      assert.deepEqual(listed.body?.pendingInvitations, []);
    });

    await t.step("an expired invitation is 410; a taken email 409; bad bodies 400", async () => {
      const invited = await call(stack, "/api/v1/invitations", {
        method: "POST",
        auth: admin,
        body: { email: "erin@example.com", role: "admin" },
      });
      assert.equal(invited.status, 201);
      const { invitation } = invited.body as { invitation: { url: string } };
      const token = invitation.url.split("#token=")[1];
      await stack.client.execute({
        sql: "UPDATE user_invitations SET expires_at = ? WHERE token_hash = ?",
        args: [NOW, await invitationTokenHash(token)],
      });
      const expired = await call(stack, "/api/v1/auth/invitations/accept", {
        method: "POST",
        body: { token, password: "erin's password 123" },
      });
      assert.deepEqual([expired.status, expired.body], [410, {
        error: { code: "gone", message: "this invitation has expired; ask an admin for a new one" },
      }]);
      const taken = await call(stack, "/api/v1/invitations", {
        method: "POST",
        auth: admin,
        body: { email: "dana@example.com", role: "viewer" },
      });
      assert.deepEqual([taken.status, taken.body], [409, {
        error: {
          code: "conflict",
          message: "a user with email dana@example.com exists and can sign in, or is disabled",
        },
      }]);
      const extra = await call(stack, "/api/v1/invitations", {
        method: "POST",
        auth: admin,
        body: { email: "x@example.com", role: "owner" },
      });
      assert.equal(extra.status, 400);
      assert.equal((extra.body?.error as { issues: { path: string }[] }).issues[0].path, "role");
      const asViewer = await call(stack, "/api/v1/invitations", {
        method: "POST",
        auth: viewer,
        body: { email: "x@example.com", role: "viewer" },
      });
      assert.deepEqual([asViewer.status, asViewer.body], [403, {
        error: { code: "forbidden", message: "this action needs the admin role" },
      }]);
    });

    await t.step("inviting again someone who never set a password sends a new link", async () => {
      const invite = () =>
        call(stack, "/api/v1/invitations", {
          method: "POST",
          auth: admin,
          body: { email: "hal@example.com", role: "viewer" },
        });
      const first = await invite();
      assert.equal(first.status, 201);
      const second = await invite();
      assert.equal(second.status, 201, JSON.stringify(second.body));
      const userOf = (answer: typeof first) => answer.body?.user as { id: string; role: string };
      assert.equal(userOf(second).id, userOf(first).id, "the same user, not a second one");
      const tokenOf = (answer: typeof first) =>
        (answer.body as { invitation: { url: string } }).invitation.url.split("#token=")[1];
      const accept = (token: string) =>
        call(stack, "/api/v1/auth/invitations/accept", {
          method: "POST",
          body: { token, password: "hal's own password 12" },
        });
      const stale = await accept(tokenOf(first));
      assert.equal(stale.status, 404, "the first link was replaced");
      assert.equal((await accept(tokenOf(second))).status, 200);
      const third = await invite();
      assert.equal(third.status, 409, "with a password set, no more links");
      const audit = await stack.db.select().from(auditEvents).where(
        and(eq(auditEvents.target, userOf(first).id), eq(auditEvents.action, "user.invite")),
      ).orderBy(auditEvents.id);
      assert.deepEqual(
        audit.map((row) => (row.payload as { isReissue?: boolean }).isReissue ?? false),
        [false, true],
      );
    });

    await t.step("disable, enable, role change and delete: each answered and audited", async () => {
      const patch = (body: unknown) =>
        call(stack, `/api/v1/users/${danaId}`, { method: "PATCH", auth: admin, body });
      const disabled = await patch({ isDisabled: true });
      assert.equal(disabled.status, 200);
      assert.equal((disabled.body?.user as { isDisabled: boolean }).isDisabled, true);
      assert.equal((await login(stack.url, dana)).status, 401, "a disabled user cannot sign in");
      assert.equal((await patch({ isDisabled: false })).status, 200);
      assert.equal((await login(stack.url, dana)).status, 200);
      const promoted = await patch({ role: "admin" });
      assert.equal((promoted.body?.user as { role: string }).role, "admin");
      const badPatch = await patch({ role: "owner" });
      assert.equal(badPatch.status, 400);
      const removed = await call(stack, `/api/v1/users/${danaId}`, {
        method: "DELETE",
        auth: admin,
      });
      assert.equal(removed.status, 200);
      assert.equal((removed.body?.user as { email: string }).email, "dana@example.com");
      assert.equal((await login(stack.url, dana)).status, 401, "a deleted user cannot sign in");
      const gone = await call(stack, `/api/v1/users/${danaId}`, { method: "DELETE", auth: admin });
      assert.deepEqual([gone.status, gone.body], [404, {
        error: { code: "not_found", message: `no user ${danaId}` },
      }]);
      assert.deepEqual(await auditOf(stack, danaId), [
        ["user.invite", "ok", {
          email: "dana@example.com",
          role: "viewer",
          expiresAt: NOW + WEEK_MS,
        }],
        ["user.invite_accept", "ok", null],
        ["user.disable", "ok", { email: "dana@example.com" }],
        ["user.enable", "ok", { email: "dana@example.com" }],
        ["user.role", "ok", { email: "dana@example.com", from: "viewer", to: "admin" }],
        ["user.delete", "ok", { email: "dana@example.com", role: "admin" }],
      ]);
    });

    await t.step("the last enabled admin cannot be disabled, demoted or deleted: 409", async () => {
      // The seeded test admin steps aside, leaving the bootstrap admin the only one.
      const other = await call(stack, `/api/v1/users/${testOperatorId("admin")}`, {
        method: "DELETE",
        auth: admin,
      });
      assert.equal(other.status, 200);
      const me = (await call(stack, "/api/v1/auth/me", { auth: admin })).body as { id: string };
      const refusals = [
        await call(stack, `/api/v1/users/${me.id}`, {
          method: "PATCH",
          auth: admin,
          body: { isDisabled: true },
        }),
        await call(stack, `/api/v1/users/${me.id}`, {
          method: "PATCH",
          auth: admin,
          body: { role: "viewer" },
        }),
        await call(stack, `/api/v1/users/${me.id}`, { method: "DELETE", auth: admin }),
      ];
      for (const refusal of refusals) {
        assert.deepEqual([refusal.status, refusal.body], [409, {
          error: { code: "conflict", message: LAST_ADMIN },
        }]);
      }
      const failed = await stack.db.select().from(auditEvents).where(
        and(eq(auditEvents.target, me.id), eq(auditEvents.outcome, "failed")),
      ).orderBy(auditEvents.id);
      assert.deepEqual(failed.map((row) => [row.action, row.payload]), [
        ["user.disable", { reason: "last_admin" }],
        ["user.role", { to: "viewer", reason: "last_admin" }],
        ["user.delete", { reason: "last_admin" }],
      ]);
      assert.equal(
        (await call(stack, "/api/v1/users", { auth: admin })).status,
        200,
        "still admin",
      );
    });

    await t.step(
      "a user changes their password with the current one; other sessions end",
      async () => {
        const frank = { email: "frank@example.com", password: "frank's first password" };
        const created = await call(stack, "/api/v1/users", {
          method: "POST",
          auth: admin,
          body: { ...frank, role: "viewer" },
        });
        assert.equal(created.status, 201);
        const frankId = (created.body?.user as { id: string }).id;
        const here = sessionCookieOf(await login(stack.url, frank));
        const elsewhere = sessionCookieOf(await login(stack.url, frank));
        const change = (body: unknown) =>
          call(stack, "/api/v1/auth/password", { method: "POST", auth: here, body });
        const wrong = await change({
          currentPassword: "not it",
          newPassword: "frank's new password",
        });
        assert.deepEqual([wrong.status, wrong.body], [403, {
          error: {
            code: "forbidden",
            message: "the current password is wrong; your password was not changed",
          },
        }]);
        const weak = await change({ currentPassword: frank.password, newPassword: "short" });
        assert.equal(weak.status, 400);
        assert.deepEqual((weak.body?.error as { issues: unknown }).issues, [
          { path: "newPassword", message: "use at least 12 characters" },
        ]);
        const changed = await change({
          currentPassword: frank.password,
          newPassword: "frank's new password",
        });
        assert.equal(changed.status, 200, JSON.stringify(changed.body));
        const renewed = sessionCookieOf(changed.response);
        assert.equal((await call(stack, "/api/v1/auth/me", { auth: renewed })).status, 200);
        const ended = await call(stack, "/api/v1/jobs", { auth: elsewhere });
        assert.deepEqual([ended.status, ended.body], [401, {
          error: {
            code: "unauthorized",
            message: "a password change or an administrator ended this session; sign in again",
          },
        }]);
        assert.equal((await login(stack.url, frank)).status, 401, "the old password is gone");
        assert.equal(
          (await login(stack.url, { ...frank, password: "frank's new password" })).status,
          200,
        );
        const audit = await stack.db.select().from(auditEvents).where(
          and(eq(auditEvents.target, frankId), eq(auditEvents.action, "user.password_change")),
        ).orderBy(auditEvents.id);
        assert.deepEqual(audit.map((row) => [row.actor, row.outcome, row.payload]), [
          ["frank@example.com", "failed", { reason: "bad_password" }],
          [
            "frank@example.com",
            "ok",
            {
              sessionsNotBefore: (changed.body as { sessionsNotBefore: number }).sessionsNotBefore,
            },
          ],
        ]);
        assert.ok(
          !JSON.stringify(await stack.db.select().from(auditEvents)).includes(
            "frank's new password",
          ),
          "no password in the audit log",
        );
      },
    );

    await t.step(
      "five wrong current passwords are judged; the sixth try waits out the window, right or not",
      async () => {
        const gail = { email: "gail@example.com", password: "gail's own password 1" };
        const created = await call(stack, "/api/v1/users", {
          method: "POST",
          auth: admin,
          body: { ...gail, role: "viewer" },
        });
        assert.equal(created.status, 201);
        const gailId = (created.body?.user as { id: string }).id;
        const session = sessionCookieOf(await login(stack.url, gail));
        const change = (currentPassword: string) =>
          call(stack, "/api/v1/auth/password", {
            method: "POST",
            auth: session,
            body: { currentPassword, newPassword: "gail's new password 22" },
          });
        // LOGIN_MAX_FAILURES_PER_ACCOUNT is 5 by default; the edge's clock stands still.
        for (let i = 1; i <= 5; i++) {
          assert.equal((await change(`guess number ${i}`)).status, 403, `guess ${i}`);
        }
        const limited = await change(gail.password);
        assert.deepEqual([limited.status, limited.body], [429, {
          error: {
            code: "rate_limited",
            message: "too many wrong current passwords; try again in 900 s",
          },
        }]);
        assert.equal(limited.response.headers.get("retry-after"), "900");
        assert.equal((await login(stack.url, gail)).status, 200, "signing in is another counter");
        const audit = await stack.db.select().from(auditEvents).where(
          and(eq(auditEvents.target, gailId), eq(auditEvents.action, "user.password_change")),
        ).orderBy(auditEvents.id);
        assert.deepEqual(
          audit.map((row) => (row.payload as { reason: string }).reason),
          [...Array(5).fill("bad_password"), "rate_limited"],
        );
      },
    );

    await t.step(
      "the audit log filters by action family; old instance.* rows are machine",
      async () => {
        await stack.db.insert(auditEvents).values([
          { at: NOW - 2, actor: "reaper", action: "instance.terminate", target: "i-0old" },
          { at: NOW - 1, actor: "reaper", action: "machine.terminate", target: "i-0new" },
          { at: NOW, actor: "core", action: "job.state", target: "42" },
        ]);
        const actionsOf = async (query: string) => {
          const answer = await call(stack, `/api/v1/audit?limit=200&${query}`, { auth: viewer });
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          return [...new Set((answer.body?.events as { action: string }[]).map((e) => e.action))]
            .sort();
        };
        assert.deepEqual(await actionsOf("family=machine"), [
          "instance.terminate",
          "machine.terminate",
        ]);
        assert.deepEqual(await actionsOf("family=job"), ["job.state"]);
        assert.deepEqual(await actionsOf("family=user"), [
          "auth.bootstrap",
          "auth.login",
          "user.create",
          "user.delete",
          "user.disable",
          "user.enable",
          "user.invite",
          "user.invite_accept",
          "user.password_change",
          "user.role",
        ]);
        assert.deepEqual(await actionsOf("family=config"), []);
        const bad = await call(stack, "/api/v1/audit?family=machines", { auth: viewer });
        assert.equal(bad.status, 400);
        assert.equal((bad.body?.error as { issues: { path: string }[] }).issues[0].path, "family");
      },
    );
  } finally {
    await stack.close();
  }
});
