/**
 * The console's configuration bodies (projects, repo bindings, pools), their
 * views, and the backup document with its cross-project checks.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import {
  BackupDocument,
  BoundRepoName,
  ImportChange,
  ImportQuery,
  ImportResult,
  OwnerLogin,
  PoolInput,
  PoolResponse,
  PoolsResponse,
  ProjectInput,
  ProjectResponse,
  ProjectsResponse,
  RepoInput,
  RepoResponse,
  ReposResponse,
} from "./config_api.ts";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const POOL = { name: "large", ami: "ami-1", instanceTypes: ["m7i.large"], subnets: ["subnet-1"] };
const POOL_DEFAULTS = {
  name: "large",
  priority: 100,
  ami: "ami-1",
  runnerPath: null,
  instanceTypes: ["m7i.large"],
  subnets: ["subnet-1"],
  securityGroups: [],
  instanceProfile: null,
  spawn: "fleet",
  allocationStrategy: "price-capacity-optimized",
  maxRuntimeMinutes: null,
  minIdle: 0,
  maxIdle: null,
  idleSchedule: null,
  idleBudgetUsdPerDay: null,
  stoppedMin: 0,
  stoppedMax: null,
  stoppedSchedule: null,
  stoppedBudgetUsdPerDay: null,
  cap: 0,
  rootVolumeGb: 30,
  rootVolumeType: "gp3",
  rootVolumeIops: null,
  rootVolumeThroughput: null,
  extraLabels: [],
  tags: {},
  isSpot: false,
  isDefault: false,
  isEnabled: true,
};

Deno.test("an owner login is trimmed, lower-cased, 1 to 39 characters of letters, digits and -", () => {
  const owner = [{ path: "(root)", message: 'expected a GitHub owner such as "octo-org"' }];
  const cases: [string, string | Issue[]][] = [
    [" Octo-Org ", "octo-org"],
    ["AZaz09-", "azaz09-"],
    [`a${"b".repeat(38)}`, `a${"b".repeat(38)}`],
    ["9", "9"],
    [`a${"b".repeat(39)}`, owner],
    ["", owner],
    ["-octo", owner],
    ["octo_org", owner],
    ["octo org", owner],
    ["octo/", owner],
  ];
  for (const [input, expected] of cases) {
    const result = OwnerLogin.safeParse(input, { error: issueMessage });
    assert.deepEqual(result.success ? result.data : issuesOf(result.error), expected, input);
  }
  assert.equal(BoundRepoName.parse(" Octocat/Hello-World "), "octocat/hello-world");
  assert.deepEqual(issues(BoundRepoName, "octocat"), [{
    path: "(root)",
    message: "expected owner/repo",
  }]);
});

Deno.test("a project body fills its defaults and names each bad field", () => {
  assert.deepEqual(ProjectInput.parse({ name: " my-app " }), {
    name: "my-app",
    cap: 0,
    tags: {},
    isDisabled: false,
    scope: { kind: "repos" },
  });
  assert.deepEqual(
    ProjectInput.parse({
      name: "my-app",
      cap: 5,
      tags: { team: "infra" },
      isDisabled: true,
      scope: { kind: "org", org: " Octo-Org ", runnerGroupId: 3 },
    }),
    {
      name: "my-app",
      cap: 5,
      tags: { team: "infra" },
      isDisabled: true,
      scope: { kind: "org", org: "octo-org", runnerGroupId: 3 },
    },
  );
  assert.deepEqual(ProjectInput.parse({ name: "a", scope: { kind: "org", org: "octo" } }).scope, {
    kind: "org",
    org: "octo",
  });
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ cap: 0 }, []],
    [{ cap: -1 }, [{ path: "cap", message: "use 0 for no cap" }]],
    [{ cap: 1.5 }, [{ path: "cap", message: "expected a whole number" }]],
    [{ scope: { kind: "org", org: "octo", runnerGroupId: 1 } }, []],
    [{ scope: { kind: "org", org: "octo", runnerGroupId: 0 } }, [{
      path: "scope.runnerGroupId",
      message: "expected a runner group id",
    }]],
    [{ scope: { kind: "org", org: "octo", runnerGroupId: "1" } }, [{
      path: "scope.runnerGroupId",
      message: "expected a runner group id",
    }]],
    [{ scope: { kind: "org" } }, [{ path: "scope.org", message: "required (expected string)" }]],
    [{ scope: { kind: "team" } }, [{
      path: "scope.kind",
      message: "Invalid discriminator value. Expected 'repos' | 'org'",
    }]],
    [{ owner: "x" }, [{ path: "owner", message: "unknown key" }]],
  ];
  for (const [change, expected] of cases) {
    assert.deepEqual(
      issues(ProjectInput, { name: "my-app", ...change }),
      expected,
      JSON.stringify(change),
    );
  }
});

Deno.test("a repo binding is lower-cased, needs a project, and keeps the project's cap unless set", () => {
  assert.deepEqual(RepoInput.parse({ fullName: " Octocat/Hello-World", projectId: "prj_1" }), {
    fullName: "octocat/hello-world",
    projectId: "prj_1",
    cap: null,
    tags: {},
  });
  assert.deepEqual(RepoInput.parse({ fullName: "a/b", projectId: "p", cap: 0, tags: { a: "b" } }), {
    fullName: "a/b",
    projectId: "p",
    cap: 0,
    tags: { a: "b" },
  });
  assert.deepEqual(issues(RepoInput, { fullName: "a/b", projectId: "", cap: -1 }), [
    { path: "projectId", message: "choose a project" },
    { path: "cap", message: "use 0 for no cap" },
  ]);
});

Deno.test("a pool body is the pool's settings and its project", () => {
  assert.deepEqual(PoolInput.parse({ ...POOL, projectId: "prj_1" }), {
    ...POOL_DEFAULTS,
    projectId: "prj_1",
  });
  assert.deepEqual(issues(PoolInput, { ...POOL, projectId: "", project: "my-app" }), [
    { path: "projectId", message: "choose a project" },
    { path: "project", message: "unknown key" },
  ]);
  // The cross-field checks run on a pool body too.
  assert.deepEqual(issues(PoolInput, { ...POOL, projectId: "p", rootVolumeType: "io2" }), [
    { path: "rootVolumeIops", message: "io2 volumes need provisioned IOPS" },
  ]);
});

Deno.test("the project, repo and pool views parse as sent, extra fields stripped", () => {
  const project = {
    id: "prj_1",
    name: "my-app",
    cap: 0,
    tags: {},
    isDisabled: false,
    scope: { kind: "org", org: "octo-org" },
    repoCount: 1,
    poolCount: 2,
    createdAt: 0,
    updatedAt: 1,
  };
  assert.deepEqual(ProjectResponse.parse({ project: { ...project, x: 1 } }), { project });
  assert.deepEqual(ProjectsResponse.parse({ projects: [project], x: 1 }), { projects: [project] });
  const repo = {
    id: "rep_1",
    fullName: "octocat/hello-world",
    projectId: "prj_1",
    project: "my-app",
    cap: null,
    tags: { a: "b" },
    createdAt: 0,
    updatedAt: 1,
  };
  assert.deepEqual(RepoResponse.parse({ repo: { ...repo, x: 1 } }), { repo });
  assert.deepEqual(ReposResponse.parse({ repos: [repo], x: 1 }), { repos: [repo] });
  const pool = {
    ...POOL_DEFAULTS,
    id: "pool_1",
    projectId: "prj_1",
    project: "my-app",
    launchTemplateId: "lt-0123",
    launchTemplateVersion: 2,
    createdAt: 0,
    updatedAt: 1,
  };
  assert.deepEqual(PoolResponse.parse({ pool: { ...pool, x: 1 } }), { pool });
  assert.deepEqual(PoolsResponse.parse({ pools: [pool], x: 1 }), { pools: [pool] });
  assert.deepEqual(issues(ProjectResponse, { project: { ...project, repoCount: -1 } }), [
    { path: "project.repoCount", message: "expected number to be >=0" },
  ]);
});

Deno.test("a backup fills each project's defaults, nested repos and pools", () => {
  const backup = {
    kind: "gantry-backup",
    version: 1,
    projects: [
      { name: "my-app", repos: [{ fullName: "Octocat/Hello" }], pools: [POOL] },
      { name: "other", scope: { kind: "org", org: "Octo-Org" } },
    ],
  };
  assert.deepEqual(BackupDocument.parse(backup), {
    kind: "gantry-backup",
    version: 1,
    projects: [
      {
        name: "my-app",
        cap: 0,
        tags: {},
        isDisabled: false,
        scope: { kind: "repos" },
        repos: [{ fullName: "octocat/hello", cap: null, tags: {} }],
        pools: [POOL_DEFAULTS],
      },
      {
        name: "other",
        cap: 0,
        tags: {},
        isDisabled: false,
        scope: { kind: "org", org: "octo-org" },
        repos: [],
        pools: [],
      },
    ],
  });
  assert.equal(BackupDocument.parse({ ...backup, exportedAt: 5 }).exportedAt, 5);
  assert.deepEqual(issues(BackupDocument, { kind: "backup", version: 2, projects: [], x: 1 }), [
    { path: "kind", message: 'expected "gantry-backup"' },
    { path: "version", message: "expected 1" },
    { path: "x", message: "unknown key" },
  ]);
  assert.deepEqual(
    issues(BackupDocument, {
      ...backup,
      projects: [{ name: "a", repos: [{ fullName: "a/b", x: 1 }] }],
    }),
    [{ path: "projects.0.repos.0.x", message: "unknown key" }],
  );
});

Deno.test("a backup refuses what the live config would: clashing labels, owners and defaults", () => {
  const doc = (projects: unknown[]) => ({ kind: "gantry-backup", version: 1, projects });
  const org = (org: string) => ({ kind: "org", org });
  const pool = (name: string, isDefault = false) => ({ ...POOL, name, isDefault });
  const cases: [string, unknown[], Issue[]][] = [
    ["labels", [{ name: "MyApp" }, { name: "other" }, { name: "my app" }, { name: "my-app" }], [
      { path: "projects.2.name", message: 'same runner label "my-app" as projects.0.name' },
      { path: "projects.3.name", message: 'same runner label "my-app" as projects.0.name' },
    ]],
    ["orgs", [
      { name: "a", scope: org("Octo-Org") },
      { name: "b" },
      { name: "c", scope: org("other") },
      { name: "d", scope: org("octo-org") },
      { name: "e", scope: org("octo-org") },
    ], [
      {
        path: "projects.3.scope.org",
        message: 'org "octo-org" is already the scope of projects.0',
      },
      {
        path: "projects.4.scope.org",
        message: 'org "octo-org" is already the scope of projects.0',
      },
    ]],
    ["repos", [
      { name: "a", repos: [{ fullName: "a/one" }] },
      { name: "b", repos: [{ fullName: "b/two" }, { fullName: "A/One" }, { fullName: "a/one" }] },
    ], [
      {
        path: "projects.1.repos.1.fullName",
        message: "a repository belongs to one project; already in projects.0",
      },
      {
        path: "projects.1.repos.2.fullName",
        message: "a repository belongs to one project; already in projects.0",
      },
    ]],
    ["pools", [
      { name: "a", pools: [pool("large"), pool("small"), pool("Large"), pool("large")] },
      { name: "b", pools: [pool("large")] },
    ], [
      { path: "projects.0.pools.2.name", message: 'same runner label "large" as pools.0.name' },
      { path: "projects.0.pools.3.name", message: 'same runner label "large" as pools.0.name' },
    ]],
    ["defaults", [
      { name: "a", pools: [pool("p1"), pool("p2", true), pool("p3", true), pool("p4", true)] },
      { name: "b", pools: [pool("p1", true)] },
    ], [
      {
        path: "projects.0.pools.2.isDefault",
        message: "only one default pool per project; pools.1 is already",
      },
      {
        path: "projects.0.pools.3.isDefault",
        message: "only one default pool per project; pools.1 is already",
      },
    ]],
  ];
  for (const [name, projects, expected] of cases) {
    assert.deepEqual(issues(BackupDocument, doc(projects)), expected, name);
  }
});

Deno.test("an import's dry run reads true/1 and false/0, false by default", () => {
  const cases: [Record<string, string>, boolean][] = [
    [{}, false],
    [{ dryRun: "true" }, true],
    [{ dryRun: "1" }, true],
    [{ dryRun: "false" }, false],
    [{ dryRun: "0" }, false],
  ];
  for (const [query, dryRun] of cases) assert.deepEqual(ImportQuery.parse(query), { dryRun });
  assert.deepEqual(issues(ImportQuery, { dryRun: "yes" }), [
    { path: "dryRun", message: 'expected one of "0"|"1"|"true"|"false"' },
  ]);
});

Deno.test("an import's answer lists each change as sent", () => {
  const changes = [
    { kind: "project", key: "my-app", action: "create", fields: [] },
    { kind: "repo", key: "octocat/hello", action: "update", fields: ["project"] },
    { kind: "pool", key: "my-app/large", action: "unchanged", fields: [] },
  ];
  const result = { isApplied: false, changes, summary: { create: 1, update: 1, unchanged: 1 } };
  assert.deepEqual(
    ImportResult.parse({
      ...result,
      x: 1,
      changes: changes.map((change) => ({ ...change, x: 1 })),
      summary: { ...result.summary, x: 1 },
    }),
    result,
  );
  assert.deepEqual(issues(ImportChange, { ...changes[0], kind: "user", action: "delete" }), [
    { path: "kind", message: 'expected one of "project"|"repo"|"pool"' },
    { path: "action", message: 'expected one of "create"|"update"|"unchanged"' },
  ]);
  assert.deepEqual(
    issues(ImportResult, { ...result, summary: { create: -1, update: 0, unchanged: 0 } }),
    [
      { path: "summary.create", message: "expected number to be >=0" },
    ],
  );
});
