/**
 * An org scope's runner group through the configuration API in workerd
 * against libSQL: set, shown, validated, cleared, and carried by the backup.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { projects } from "../../shared/db/schema.ts";
import { operatorToken } from "../support/operator.ts";
import { SESSION_SECRET, startConsoleStack } from "./stack.ts";

Deno.test("an org scope's runner group is stored, shown, validated and backed up", async () => {
  const stack = await startConsoleStack();
  const token = await operatorToken(SESSION_SECRET, "admin");
  const call = async (method: string, path: string, status: number, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.equal(response.status, status, text);
    return text ? JSON.parse(text) : null;
  };
  const stored = async (id: string) =>
    (await stack.db.select().from(projects).where(eq(projects.id, id)))[0].runnerGroupId;
  try {
    const scope = { kind: "org", org: "acme", runnerGroupId: 7 };
    const { project } = await call("POST", "/api/v1/projects", 201, { name: "fleet", scope });
    assert.deepEqual(project.scope, scope);
    assert.equal(await stored(project.id), 7);

    const invalid = await call("PUT", `/api/v1/projects/${project.id}`, 400, {
      name: "fleet",
      scope: { kind: "org", org: "acme", runnerGroupId: 0 },
    });
    assert.deepEqual(invalid.error.issues.map((i: { path: string }) => i.path), [
      "scope.runnerGroupId",
    ]);

    const backup = await call("GET", "/api/v1/backup", 200);
    assert.deepEqual(backup.projects[0].scope, scope);

    // Without a group the org's Default group (1) applies: nothing stored.
    const cleared = await call("PUT", `/api/v1/projects/${project.id}`, 200, {
      name: "fleet",
      scope: { kind: "org", org: "acme" },
    });
    assert.deepEqual(cleared.project.scope, { kind: "org", org: "acme" });
    assert.equal(await stored(project.id), null);

    // Importing the earlier backup puts the group back, and names the changed field.
    const imported = await call("POST", "/api/v1/backup/import", 200, backup);
    assert.ok(JSON.stringify(imported).includes("runnerGroupId"), JSON.stringify(imported));
    assert.equal(await stored(project.id), 7);
  } finally {
    await stack.close();
  }
});
