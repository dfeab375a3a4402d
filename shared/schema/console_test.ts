/**
 * The console's sign-in, user, overview and job-detail bodies: emails are
 * trimmed and lower-cased, passwords bounded, and the answers parse as sent.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import type { JobView } from "./api.ts";
import {
  AuthOptions,
  BootstrapRequest,
  CreateUserRequest,
  Email,
  JobDetailResponse,
  LoginRequest,
  NewPassword,
  OverviewQuery,
  OverviewResponse,
  SessionView,
  UpdateUserRequest,
  UserResponse,
  UsersListResponse,
} from "./console.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const PASSWORD = "correct horse battery";

Deno.test("an email is trimmed, lower-cased and at most 254 characters", () => {
  assert.equal(Email.parse("  Admin@Example.COM "), "admin@example.com");
  const at254 = `${"a".repeat(242)}@example.com`;
  assert.equal(Email.parse(at254), at254);
  assert.deepEqual(issues(Email, `a${at254}`), [
    { path: "(root)", message: "expected string to have <=254 characters" },
  ]);
  assert.deepEqual(issues(Email, "admin"), [{ path: "(root)", message: "Invalid email address" }]);
});

Deno.test("a new password has 12 to 256 characters", () => {
  const cases: [string, Issue[]][] = [
    ["x".repeat(11), [{ path: "(root)", message: "use at least 12 characters" }]],
    ["x".repeat(12), []],
    ["x".repeat(256), []],
    ["x".repeat(257), [{ path: "(root)", message: "use at most 256 characters" }]],
  ];
  for (const [password, expected] of cases) {
    assert.deepEqual(issues(NewPassword, password), expected, `${password.length}`);
  }
});

Deno.test("sign-in, bootstrap and create-user bodies parse, and name each bad field", () => {
  assert.deepEqual(LoginRequest.parse({ email: " A@Example.com", password: "x", x: 1 }), {
    email: "a@example.com",
    password: "x",
  });
  assert.deepEqual(issues(LoginRequest, { email: "a@example.com", password: "" }), [
    { path: "password", message: "enter your password" },
  ]);
  assert.deepEqual(
    issues(LoginRequest, { email: "a@example.com", password: "x".repeat(1024) }),
    [],
  );
  assert.deepEqual(issues(LoginRequest, { email: "a@example.com", password: "x".repeat(1025) }), [
    { path: "password", message: "expected string to have <=1024 characters" },
  ]);
  assert.deepEqual(
    BootstrapRequest.parse({ email: "a@example.com", password: PASSWORD, name: "  Ada " }),
    { email: "a@example.com", password: PASSWORD, name: "Ada" },
  );
  const bootstrap = { email: "a@example.com", password: PASSWORD };
  assert.deepEqual(issues(BootstrapRequest, { ...bootstrap, name: "x".repeat(100) }), []);
  assert.deepEqual(issues(BootstrapRequest, { ...bootstrap, name: "x".repeat(101) }), [
    { path: "name", message: "expected string to have <=100 characters" },
  ]);
  assert.deepEqual(issues(BootstrapRequest, { ...bootstrap, name: "  " }), [
    { path: "name", message: "expected string to have >=1 characters" },
  ]);
  assert.deepEqual(issues(BootstrapRequest, { ...bootstrap, password: "short" }), [
    { path: "password", message: "use at least 12 characters" },
  ]);
  for (const role of ["viewer", "admin"]) {
    assert.deepEqual(CreateUserRequest.parse({ ...bootstrap, role }), { ...bootstrap, role });
  }
  assert.deepEqual(issues(CreateUserRequest, { ...bootstrap, role: "owner" }), [
    { path: "role", message: 'expected one of "viewer"|"admin"' },
  ]);
});

Deno.test("an update-user body takes only role, disabled and SSO link", () => {
  assert.deepEqual(UpdateUserRequest.parse({}), {});
  assert.deepEqual(
    UpdateUserRequest.parse({ role: "viewer", isDisabled: true, allowsSsoLink: false }),
    { role: "viewer", isDisabled: true, allowsSsoLink: false },
  );
  assert.deepEqual(issues(UpdateUserRequest, { email: "b@example.com", isDisabled: "yes" }), [
    { path: "isDisabled", message: "expected boolean, received string" },
    { path: "email", message: "unknown key" },
  ]);
});

const user = {
  id: "usr_1",
  email: "a@example.com",
  name: null,
  role: "admin",
  createdAt: 0,
  lastLoginAt: null,
  isDisabled: false,
  sessionsNotBefore: 1_700_000_000_000,
  ssoIssuer: "https://accounts.example.com",
  allowsSsoLink: true,
};

Deno.test("user, session and sign-in option answers parse as sent, extra fields stripped", () => {
  assert.deepEqual(UserResponse.parse({ user: { ...user, passwordHash: "h" } }), { user });
  const list = {
    users: [user, { ...user, id: "usr_2", role: "viewer", lastLoginAt: 5 }],
    pendingInvitations: [{ userId: "usr_2", expiresAt: 10 }],
  };
  assert.deepEqual(
    UsersListResponse.parse({
      ...list,
      pendingInvitations: [{ userId: "usr_2", expiresAt: 10, x: 1 }],
    }),
    list,
  );
  const session = { id: "ses_1", email: null, role: "viewer", expiresAt: 10 };
  assert.deepEqual(SessionView.parse({ ...session, x: 1 }), session);
  const options = { local: true, sso: false, authDisabled: false, simulated: true };
  assert.deepEqual(AuthOptions.parse({ ...options, x: 1 }), options);
  assert.deepEqual(issues(UserResponse, { user: { ...user, createdAt: -1 } }), [
    { path: "user.createdAt", message: "expected number to be >=0" },
  ]);
});

Deno.test("the overview window is 1 to 2160 hours, 24 by default", () => {
  assert.deepEqual(OverviewQuery.parse({}), { windowHours: 24 });
  assert.deepEqual(OverviewQuery.parse({ windowHours: "1" }), { windowHours: 1 });
  assert.deepEqual(OverviewQuery.parse({ windowHours: "2160" }), { windowHours: 2160 });
  assert.deepEqual(issues(OverviewQuery, { windowHours: "0" }), [
    { path: "windowHours", message: "expected number to be >=1" },
  ]);
  assert.deepEqual(issues(OverviewQuery, { windowHours: "2161" }), [
    { path: "windowHours", message: "expected number to be <=2160" },
  ]);
});

Deno.test("the overview answer parses as sent, with counts by job state", () => {
  const core = {
    coreId: "core-1",
    version: "1.2.0",
    seenAt: 5,
    leasedAt: null,
    isDown: true,
    downForSeconds: 60,
  };
  const overview = {
    generatedAt: 10,
    window: { from: 0, to: 10 },
    projects: 2,
    repos: 3,
    active: { queued: 1, running: 2 },
    inWindow: { completed: 4 },
    spendUsd: 1.5,
    queue: { ready: 1, leased: 2, delayed: 3, dead: 0 },
    cores: [core],
  };
  assert.deepEqual(
    OverviewResponse.parse({
      ...overview,
      x: 1,
      window: { from: 0, to: 10, x: 1 },
      queue: { ...overview.queue, x: 1 },
      cores: [{ ...core, x: 1 }],
    }),
    overview,
  );
  assert.deepEqual(issues(OverviewResponse, { ...overview, active: { exploded: 1 } }), [
    { path: "active.exploded", message: "unknown key" },
  ]);
  assert.deepEqual(
    issues(OverviewResponse, { ...overview, queue: { ...overview.queue, dead: -1 } }),
    [
      { path: "queue.dead", message: "expected number to be >=0" },
    ],
  );
});

Deno.test("a job's detail parses as sent, with its timeline", () => {
  const job: JobView = {
    id: "job_1",
    githubJobId: 1,
    runId: 2,
    runAttempt: 1,
    repoFullName: "octocat/hello-world",
    workflowName: null,
    jobName: "build",
    branch: null,
    sha: "abc",
    sender: null,
    labels: ["self-hosted"],
    state: "failed",
    project: null,
    pool: null,
    instanceId: null,
    instanceType: null,
    isSpot: null,
    priceUsdPerHour: null,
    costUsd: null,
    failureReason: "boot timeout",
    queuedAt: 0,
    launchedAt: null,
    startedAt: null,
    completedAt: 9,
    updatedAt: 9,
  };
  const detail = {
    job: {
      ...job,
      htmlUrl: null,
      conclusion: "failure",
      launchAttempts: 2,
      claimedAt: 1,
      availabilityZone: "us-east-1a",
      instanceState: null,
      terminatedAt: null,
      terminationReason: null,
    },
    transitions: [
      { from: null, to: "queued", at: 0, reason: null },
      { from: "queued", to: "failed", at: 9, reason: "boot timeout" },
    ],
    waterfall: [{
      from: "github_created" as const,
      to: "webhook_received" as const,
      startAt: 0,
      durationMs: 500,
      party: "github" as const,
      reasons: [],
    }],
  };
  assert.deepEqual(
    JobDetailResponse.parse({
      ...detail,
      x: 1,
      job: { ...detail.job, x: 1 },
      transitions: [{ ...detail.transitions[0], x: 1 }, detail.transitions[1]],
    }),
    detail,
  );
  assert.deepEqual(
    issues(JobDetailResponse, { ...detail, job: { ...detail.job, launchAttempts: -1 } }),
    [{ path: "job.launchAttempts", message: "expected number to be >=0" }],
  );
});
