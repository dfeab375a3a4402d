/** User management bodies: invitations, accepting one, and password changes. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";
import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  ChangePasswordRequest,
  ChangePasswordResponse,
  EndSessionsResponse,
  InviteUserRequest,
  InviteUserResponse,
} from "./users.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const PASSWORD = "correct horse battery";
// 43 characters: 32 random bytes in base64url.
const TOKEN = "AZaz09_-AZaz09_-AZaz09_-AZaz09_-AZaz09_-abc";

Deno.test("an invitation takes an email, a role and an optional trimmed name", () => {
  assert.deepEqual(
    InviteUserRequest.parse({ email: " B@Example.com ", role: "viewer", name: " Bo " }),
    {
      email: "b@example.com",
      role: "viewer",
      name: "Bo",
    },
  );
  const invite = { email: "b@example.com", role: "admin" };
  assert.deepEqual(InviteUserRequest.parse(invite), invite);
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ name: "n".repeat(100) }, []],
    [{ name: "n".repeat(101) }, [{
      path: "name",
      message: "expected string to have <=100 characters",
    }]],
    [{ name: " " }, [{ path: "name", message: "expected string to have >=1 characters" }]],
    [{ role: "owner" }, [{ path: "role", message: 'expected one of "viewer"|"admin"' }]],
    [{ password: PASSWORD }, [{ path: "password", message: "unknown key" }]],
  ];
  for (const [change, expected] of cases) {
    assert.deepEqual(
      issues(InviteUserRequest, { ...invite, ...change }),
      expected,
      Object.keys(change)[0],
    );
  }
});

Deno.test("accepting an invitation takes a 43-character token and a new password", () => {
  assert.equal(TOKEN.length, 43);
  const accept = { token: TOKEN, password: PASSWORD };
  assert.deepEqual(AcceptInvitationRequest.parse(accept), accept);
  const token = [{ path: "token", message: "not an invitation token" }];
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ token: TOKEN.slice(1) }, token],
    [{ token: `${TOKEN}a` }, token],
    [{ token: `${TOKEN.slice(1)}=` }, token],
    [{ token: `=${TOKEN.slice(1)}` }, token],
    [{ password: "short" }, [{ path: "password", message: "use at least 12 characters" }]],
    [{ email: "b@example.com" }, [{ path: "email", message: "unknown key" }]],
  ];
  for (const [change, expected] of cases) {
    assert.deepEqual(
      issues(AcceptInvitationRequest, { ...accept, ...change }),
      expected,
      JSON.stringify(change),
    );
  }
});

Deno.test("a password change checks the current password only for presence and length", () => {
  const change = { currentPassword: "x", newPassword: PASSWORD };
  assert.deepEqual(ChangePasswordRequest.parse(change), change);
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ currentPassword: "x".repeat(1024) }, []],
    [{ currentPassword: "x".repeat(1025) }, [{
      path: "currentPassword",
      message: "expected string to have <=1024 characters",
    }]],
    [{ currentPassword: "" }, [{
      path: "currentPassword",
      message: "enter your current password",
    }]],
    [{ newPassword: "x".repeat(257) }, [{
      path: "newPassword",
      message: "use at most 256 characters",
    }]],
    [{ confirm: PASSWORD }, [{ path: "confirm", message: "unknown key" }]],
  ];
  for (const [fields, expected] of cases) {
    assert.deepEqual(
      issues(ChangePasswordRequest, { ...change, ...fields }),
      expected,
      Object.keys(fields)[0],
    );
  }
});

Deno.test("the user management answers parse as sent, extra fields stripped", () => {
  const user = {
    id: "usr_2",
    email: "b@example.com",
    name: null,
    role: "viewer",
    createdAt: 0,
    lastLoginAt: null,
    isDisabled: false,
    sessionsNotBefore: null,
    ssoIssuer: null,
    allowsSsoLink: false,
  };
  const invited = { user, invitation: { url: "https://gantry.example/invite#t", expiresAt: 9 } };
  assert.deepEqual(
    InviteUserResponse.parse({ ...invited, invitation: { ...invited.invitation, tokenHash: "h" } }),
    invited,
  );
  assert.deepEqual(AcceptInvitationResponse.parse({ email: "b@example.com", x: 1 }), {
    email: "b@example.com",
  });
  assert.deepEqual(ChangePasswordResponse.parse({ sessionsNotBefore: 0, x: 1 }), {
    sessionsNotBefore: 0,
  });
  assert.deepEqual(EndSessionsResponse.parse({ id: "usr_2", sessionsNotBefore: 5, x: 1 }), {
    id: "usr_2",
    sessionsNotBefore: 5,
  });
  assert.deepEqual(issues(ChangePasswordResponse, { sessionsNotBefore: -1 }), [
    { path: "sessionsNotBefore", message: "expected number to be >=0" },
  ]);
});
