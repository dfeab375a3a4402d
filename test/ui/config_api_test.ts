/**
 * The configuration API in workerd against libSQL: projects, repo bindings,
 * pools and backup — round trips, the validation and conflict answers a form
 * shows next to its fields, the audit trail, and the access rules (no
 * session 401, a viewer changing anything 403).
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { auditEvents, pools, projects } from "../../shared/db/schema.ts";
import { operatorToken } from "../support/operator.ts";
import { type ConsoleStack, SESSION_SECRET, startConsoleStack } from "./stack.ts";

const ACTOR = "test-operator-admin@example.com";

interface Caller {
  (method: string, path: string, body?: unknown): Promise<Response>;
}

function callerOf(stack: ConsoleStack, token: string | null): Caller {
  return (method, path, body) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

async function json(response: Response, status: number) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return text ? JSON.parse(text) : null;
}

const POOL = {
  name: "large",
  ami: "ami-0abcdef1234567890",
  instanceTypes: ["m5.large", "m5.xlarge"],
  subnets: ["subnet-aaa111"],
  securityGroups: ["sg-0123"],
  isSpot: true,
  extraLabels: ["gpu"],
};

/** Every configuration route, a body a viewer might send, and what an admin gets. */
const CHANGES: { method: string; path: string; body?: unknown }[] = [
  { method: "POST", path: "/api/v1/projects", body: { name: "viewer-made" } },
  { method: "PUT", path: "/api/v1/projects/p1", body: { name: "viewer-made" } },
  { method: "DELETE", path: "/api/v1/projects/p1" },
  { method: "POST", path: "/api/v1/repos", body: { fullName: "a/b", projectId: "p1" } },
  { method: "PUT", path: "/api/v1/repos/r1", body: { fullName: "a/b", projectId: "p1" } },
  { method: "DELETE", path: "/api/v1/repos/r1" },
  { method: "POST", path: "/api/v1/pools", body: { ...POOL, projectId: "p1" } },
  { method: "PUT", path: "/api/v1/pools/x1", body: { ...POOL, projectId: "p1" } },
  { method: "DELETE", path: "/api/v1/pools/x1" },
  { method: "GET", path: "/api/v1/backup" },
  {
    method: "POST",
    path: "/api/v1/backup/import",
    body: { kind: "gantry-backup", version: 1, projects: [] },
  },
];
const READS = ["/api/v1/projects", "/api/v1/repos", "/api/v1/pools"];

Deno.test("configuration API: projects, repos, pools, backup, audit, roles", async (t) => {
  const stack = await startConsoleStack();
  const admin = callerOf(stack, await operatorToken(SESSION_SECRET, "admin"));
  const viewer = callerOf(stack, await operatorToken(SESSION_SECRET, "viewer"));
  const anonymous = callerOf(stack, null);
  try {
    let projectId = "";
    let otherProjectId = "";
    let repoId = "";
    let poolId = "";

    await t.step("every route refuses no session (401)", async () => {
      for (const route of [...CHANGES, ...READS.map((path) => ({ method: "GET", path }))]) {
        const body = await json(
          await anonymous(route.method, route.path, "body" in route ? route.body : undefined),
          401,
        );
        assert.equal(body.error.code, "unauthorized", `${route.method} ${route.path}`);
      }
    });

    await t.step("a viewer reads but every change and the backup refuse it (403)", async () => {
      for (const path of READS) await json(await viewer("GET", path), 200);
      for (const route of CHANGES) {
        const body = await json(await viewer(route.method, route.path, route.body), 403);
        assert.equal(body.error.code, "forbidden", `${route.method} ${route.path}`);
      }
      assert.equal((await stack.db.select().from(projects)).length, 0, "nothing was written");
      const refusals = await stack.db.select().from(auditEvents).orderBy(auditEvents.id);
      assert.deepEqual(
        refusals.map((a) => [a.outcome, a.payload?.status]),
        CHANGES.filter((route) => route.path !== "/api/v1/backup").map(() => ["failed", 403]),
        "each refused change is audited once (the export is a read)",
      );
    });

    await t.step("a project is created, listed, and its creation audited", async () => {
      const created = await json(
        await admin("POST", "/api/v1/projects", {
          name: "my-app",
          cap: 4,
          tags: { team: "platform" },
        }),
        201,
      );
      projectId = created.project.id;
      assert.deepEqual(created.project.scope, { kind: "repos" });
      const other = await json(
        await admin("POST", "/api/v1/projects", {
          name: "octo-org-all",
          scope: { kind: "org", org: "Octo-Org" },
        }),
        201,
      );
      otherProjectId = other.project.id;
      assert.deepEqual(other.project.scope, { kind: "org", org: "octo-org" }, "owner lower-cased");
      const list = await json(await admin("GET", "/api/v1/projects"), 200);
      assert.deepEqual(list.projects.map((p: { name: string }) => p.name), [
        "my-app",
        "octo-org-all",
      ]);
      const [audit] = await stack.db.select().from(auditEvents)
        .where(and(eq(auditEvents.action, "project.create"), eq(auditEvents.outcome, "ok")));
      assert.equal(audit.actor, ACTOR);
      assert.equal(audit.target, "my-app");
    });

    await t.step("project validation names the field; conflicts answer 409", async () => {
      const reserved = await json(
        await admin("POST", "/api/v1/projects", { name: "x", tags: { "gantry:job": "1" } }),
        400,
      );
      assert.deepEqual(reserved.error.issues, [{
        path: "tags.gantry:job",
        message: 'the "gantry:" prefix is reserved for Gantry\'s own tags',
      }]);
      const negative = await json(
        await admin("POST", "/api/v1/projects", { name: "x", cap: -1 }),
        400,
      );
      assert.deepEqual(negative.error.issues.map((i: { path: string }) => i.path), ["cap"]);
      const sameLabel = await json(
        await admin("POST", "/api/v1/projects", { name: "MyApp" }),
        409,
      );
      assert.match(sameLabel.error.message, /"my-app" already has the runner label "my-app"/);
      const sameOrg = await json(
        await admin("POST", "/api/v1/projects", {
          name: "again",
          scope: { kind: "org", org: "octo-org" },
        }),
        409,
      );
      assert.match(sameOrg.error.message, /org "octo-org" is already the scope/);
      const badJson = await fetch(`${stack.url}/api/v1/projects`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await operatorToken(SESSION_SECRET, "admin")}`,
          "content-type": "application/json",
        },
        body: "{",
      });
      assert.equal((await json(badJson, 400)).error.message, "body is not valid JSON");
      const notJson = await fetch(`${stack.url}/api/v1/projects`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await operatorToken(SESSION_SECRET, "admin")}`,
          "content-type": "text/plain",
        },
        body: JSON.stringify({ name: "plain", scope: { kind: "org", org: "plain-org" } }),
      });
      assert.deepEqual((await json(notJson, 415)).error, {
        code: "unsupported_media_type",
        message: "send the body as application/json",
      });
    });

    await t.step("a repo binds to exactly one project, case-insensitively", async () => {
      const created = await json(
        await admin("POST", "/api/v1/repos", {
          fullName: "OctoCat/Hello-World",
          projectId,
          tags: { service: "web" },
        }),
        201,
      );
      repoId = created.repo.id;
      assert.equal(created.repo.fullName, "octocat/hello-world");
      assert.equal(created.repo.project, "my-app");
      const again = await json(
        await admin("POST", "/api/v1/repos", {
          fullName: "octocat/HELLO-world",
          projectId: otherProjectId,
        }),
        409,
      );
      assert.equal(
        again.error.message,
        'octocat/hello-world is already bound to project "my-app"; a repo belongs to one project',
      );
      const unknown = await json(
        await admin("POST", "/api/v1/repos", { fullName: "a/b", projectId: "nope" }),
        422,
      );
      assert.equal(unknown.error.code, "unprocessable");
      assert.equal(unknown.error.message, "project nope does not exist");
      const badName = await json(
        await admin("POST", "/api/v1/repos", { fullName: "not a repo", projectId }),
        400,
      );
      assert.deepEqual(badName.error.issues, [{
        path: "fullName",
        message: "expected owner/repo",
      }]);
      const updated = await json(
        await admin("PUT", `/api/v1/repos/${repoId}`, {
          fullName: "octocat/hello-world",
          projectId,
          cap: 2,
        }),
        200,
      );
      assert.equal(updated.repo.cap, 2);
    });

    await t.step("a pool round-trips every field; default and name conflicts 409", async () => {
      const created = await json(
        await admin("POST", "/api/v1/pools", {
          ...POOL,
          projectId,
          isDefault: true,
          spawn: "run_instances",
          allocationStrategy: "prioritized",
          instanceProfile: "gantry-runner",
          maxRuntimeMinutes: 90,
          minIdle: 1,
          priority: 10,
          tags: { size: "large" },
        }),
        201,
      );
      poolId = created.pool.id;
      const pool = created.pool;
      assert.deepEqual(pool.instanceTypes, ["m5.large", "m5.xlarge"], "order kept");
      assert.equal(pool.spawn, "run_instances");
      assert.equal(pool.allocationStrategy, "prioritized");
      assert.equal(pool.maxRuntimeMinutes, 90);
      assert.equal(pool.launchTemplateId, null);
      const sameLabel = await json(
        await admin("POST", "/api/v1/pools", { ...POOL, name: "Large", projectId }),
        409,
      );
      assert.match(sameLabel.error.message, /pool "large" of this project already has/);
      const twoDefaults = await json(
        await admin("POST", "/api/v1/pools", {
          ...POOL,
          name: "small",
          projectId,
          isDefault: true,
        }),
        409,
      );
      assert.equal(
        twoDefaults.error.message,
        `pool "large" is already this project's default; unset it first`,
      );
      const invalid = await json(
        await admin("POST", "/api/v1/pools", {
          ...POOL,
          projectId,
          ami: "ubuntu",
          instanceTypes: [],
          spawn: "magic",
        }),
        400,
      );
      assert.deepEqual(
        invalid.error.issues.map((i: { path: string }) => i.path).sort(),
        ["ami", "instanceTypes", "spawn"],
      );
      // The core materialises the template; the console shows it and never overwrites it.
      await stack.db.update(pools).set({ launchTemplateId: "lt-0abc", launchTemplateVersion: 3 })
        .where(eq(pools.id, poolId));
      const edited = await json(
        await admin("PUT", `/api/v1/pools/${poolId}`, {
          ...POOL,
          projectId,
          isDefault: true,
          instanceTypes: ["c5.large"],
        }),
        200,
      );
      assert.deepEqual(edited.pool.instanceTypes, ["c5.large"]);
      assert.equal(edited.pool.launchTemplateId, "lt-0abc");
      assert.equal(edited.pool.launchTemplateVersion, 3);
      const [audit] = await stack.db.select().from(auditEvents)
        .where(and(eq(auditEvents.action, "pool.update"), eq(auditEvents.outcome, "ok")));
      assert.equal(audit.target, "my-app/large");
      const payload = audit.payload as { before: { instanceTypes: string[] } };
      assert.deepEqual(payload.before.instanceTypes, ["m5.large", "m5.xlarge"]);
    });

    await t.step("a pool's root volume round-trips; one EC2 would refuse is named", async () => {
      const edited = await json(
        await admin("PUT", `/api/v1/pools/${poolId}`, {
          ...POOL,
          projectId,
          isDefault: true,
          instanceTypes: ["c5.large"],
          rootVolumeGb: 100,
          rootVolumeType: "io2",
          rootVolumeIops: 20_000,
        }),
        200,
      );
      assert.deepEqual(
        [edited.pool.rootVolumeGb, edited.pool.rootVolumeType, edited.pool.rootVolumeIops],
        [100, "io2", 20_000],
      );
      assert.equal(edited.pool.rootVolumeThroughput, null);
      const refused = await json(
        await admin("PUT", `/api/v1/pools/${poolId}`, {
          ...POOL,
          projectId,
          rootVolumeType: "gp2",
          rootVolumeThroughput: 250,
        }),
        400,
      );
      assert.deepEqual(refused.error.issues, [{
        path: "rootVolumeThroughput",
        message: "gp2 volumes take no throughput setting",
      }]);
      const [row] = await stack.db.select().from(pools).where(eq(pools.id, poolId));
      assert.equal(row.rootVolumeType, "io2", "the refused body wrote nothing");
    });

    await t.step(
      "a pool's pre-installed runner path round-trips; a shell-unsafe one is named",
      async () => {
        const body = {
          ...POOL,
          projectId,
          isDefault: true,
          instanceTypes: ["c5.large"],
          rootVolumeGb: 100,
          rootVolumeType: "io2",
          rootVolumeIops: 20_000,
        };
        const edited = await json(
          await admin("PUT", `/api/v1/pools/${poolId}`, {
            ...body,
            runnerPath: "/opt/actions-runner/",
          }),
          200,
        );
        assert.equal(edited.pool.runnerPath, "/opt/actions-runner");
        for (const runnerPath of ["opt/actions-runner", "/opt/r$(reboot)", "/opt/a runner"]) {
          const refused = await json(
            await admin("PUT", `/api/v1/pools/${poolId}`, { ...body, runnerPath }),
            400,
          );
          assert.deepEqual(refused.error.issues, [{
            path: "runnerPath",
            message: "expected an absolute directory such as /opt/actions-runner " +
              "(letters, digits and . _ + @ - only; no spaces or shell characters)",
          }], runnerPath);
        }
        const [row] = await stack.db.select().from(pools).where(eq(pools.id, poolId));
        assert.equal(row.runnerPath, "/opt/actions-runner", "the refused bodies wrote nothing");
      },
    );

    await t.step("a project with repos or pools cannot be deleted; missing ids 404", async () => {
      const refused = await json(await admin("DELETE", `/api/v1/projects/${projectId}`), 409);
      assert.match(refused.error.message, /still has 1 repo binding\(s\) and 1 pool\(s\)/);
      await json(await admin("DELETE", "/api/v1/pools/nope"), 404);
      await json(
        await admin("PUT", "/api/v1/repos/nope", { fullName: "a/b", projectId }),
        404,
      );
    });

    let exported: Record<string, unknown> = {};
    await t.step("the backup exports projects, repos and pools by name, audited", async () => {
      exported = await json(await admin("GET", "/api/v1/backup"), 200);
      const text = JSON.stringify(exported);
      assert.ok(!text.includes(projectId) && !text.includes(poolId), "no ids in the backup");
      assert.ok(!text.includes("lt-0abc"), "no launch templates in the backup");
      const backupProjects = exported.projects as {
        name: string;
        repos: { fullName: string }[];
        pools: { name: string }[];
      }[];
      assert.deepEqual(backupProjects.map((p) => p.name), ["my-app", "octo-org-all"]);
      assert.deepEqual(backupProjects[0].repos.map((r) => r.fullName), ["octocat/hello-world"]);
      assert.deepEqual(backupProjects[0].pools.map((p) => p.name), ["large"]);
      assert.equal(
        (backupProjects[0].pools[0] as { runnerPath?: string }).runnerPath,
        "/opt/actions-runner",
      );
      const audit = await stack.db.select().from(auditEvents)
        .where(eq(auditEvents.action, "backup.export"));
      assert.equal(audit.length, 1);
    });

    await t.step("importing the export again changes nothing", async () => {
      const result = await json(await admin("POST", "/api/v1/backup/import", exported), 200);
      assert.equal(result.isApplied, true);
      assert.deepEqual(result.summary, { create: 0, update: 0, unchanged: 4 });
    });

    await t.step("a dry run shows the diff and writes nothing; apply writes it", async () => {
      const backup = structuredClone(exported) as {
        projects: { name: string; cap: number; repos: unknown[]; pools: { name: string }[] }[];
      };
      backup.projects[0].cap = 8;
      backup.projects[0].pools.push({ ...POOL, name: "small" });
      backup.projects.push({
        name: "new-app",
        cap: 0,
        repos: [{ fullName: "octocat/spoon-knife" }],
        pools: [],
      });
      const dry = await json(
        await admin("POST", "/api/v1/backup/import?dryRun=true", backup),
        200,
      );
      assert.equal(dry.isApplied, false);
      assert.deepEqual(
        dry.changes.filter((c: { action: string }) => c.action !== "unchanged"),
        [
          { kind: "project", key: "my-app", action: "update", fields: ["cap"] },
          { kind: "pool", key: "my-app/small", action: "create", fields: [] },
          { kind: "project", key: "new-app", action: "create", fields: [] },
          { kind: "repo", key: "octocat/spoon-knife", action: "create", fields: [] },
        ],
      );
      assert.equal((await stack.db.select().from(projects)).length, 2, "dry run wrote nothing");
      const applied = await json(await admin("POST", "/api/v1/backup/import", backup), 200);
      assert.deepEqual(applied.summary, { create: 3, update: 1, unchanged: 3 });
      const again = await json(await admin("POST", "/api/v1/backup/import", backup), 200);
      assert.deepEqual(again.summary, { create: 0, update: 0, unchanged: 7 }, "idempotent");
      const imports = await stack.db.select().from(auditEvents)
        .where(and(eq(auditEvents.action, "backup.import"), eq(auditEvents.outcome, "ok")))
        .orderBy(auditEvents.id);
      assert.equal(imports.length, 3, "every applied import is audited, dry runs are not");
      assert.deepEqual((imports[1].payload as { summary: unknown }).summary, applied.summary);
    });

    await t.step("an import that breaks a rule is refused whole, naming the problem", async () => {
      const invalid = await json(
        await admin("POST", "/api/v1/backup/import", {
          kind: "gantry-backup",
          version: 1,
          projects: [
            { name: "a", repos: [{ fullName: "x/y" }] },
            { name: "b", repos: [{ fullName: "X/Y" }], tags: { "gantry:x": "1" } },
          ],
        }),
        400,
      );
      assert.deepEqual(invalid.error.issues.map((i: { path: string }) => i.path).sort(), [
        "projects.1.repos.0.fullName",
        "projects.1.tags.gantry:x",
      ]);
      const twoDefaults = await json(
        await admin("POST", "/api/v1/backup/import", {
          kind: "gantry-backup",
          version: 1,
          projects: [{ name: "my-app", pools: [{ ...POOL, name: "other", isDefault: true }] }],
        }),
        409,
      );
      assert.match(twoDefaults.error.message, /would have 2 default pools \(other, large\)/);
      assert.equal((await stack.db.select().from(projects)).length, 3);
    });

    await t.step("unbinding, deleting the pools, then the project", async () => {
      await json(await admin("DELETE", `/api/v1/repos/${repoId}`), 200);
      const list = await json(await admin("GET", "/api/v1/pools"), 200);
      for (const pool of list.pools.filter((p: { project: string }) => p.project === "my-app")) {
        await json(await admin("DELETE", `/api/v1/pools/${pool.id}`), 200);
      }
      await json(await admin("DELETE", `/api/v1/projects/${projectId}`), 200);
      const actions = (await stack.db.select().from(auditEvents)
        .where(eq(auditEvents.outcome, "ok")))
        .map((a) => a.action).filter((a) => a.endsWith("delete") || a.endsWith("unbind"));
      assert.deepEqual(actions, ["repo.unbind", "pool.delete", "pool.delete", "project.delete"]);
    });
  } finally {
    await stack.close();
  }
});
