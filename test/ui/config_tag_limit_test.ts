/**
 * The merged tag limit through the configuration API (edge in workerd,
 * libSQL): each layer may hold 40 tags, but an instance carries the
 * project's, pool's and repo's tags merged plus Gantry's own 5, and EC2
 * refuses more than 50 on one resource (EC2 user guide, "Tag restrictions").
 * Saving a project, pool or repo that would overflow answers 422 and says
 * which layers and how many tags to remove; nothing is written.
 */
import assert from "node:assert/strict";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { operatorToken } from "../support/operator.ts";
import { SESSION_SECRET, startConsoleStack } from "./stack.ts";

const tagsOf = (prefix: string, n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, "v"]));

const POOL = {
  name: "large",
  ami: "ami-0abcdef1234567890",
  instanceTypes: ["m5.large"],
  subnets: ["subnet-aaa111"],
  securityGroups: ["sg-0123"],
};

Deno.test("a save whose merged tags would exceed 50 per instance is refused with 422", async (t) => {
  const stack = await startConsoleStack();
  const token = await operatorToken(SESSION_SECRET, "admin");
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  try {
    const project = await call("POST", "/api/v1/projects", {
      name: "my-app",
      tags: tagsOf("p", 30),
    });
    assert.equal(project.status, 201);
    const projectId = project.body.project.id;

    await t.step("a pool whose tags overflow with the project's is refused", async () => {
      const refused = await call("POST", "/api/v1/pools", {
        ...POOL,
        projectId,
        tags: tagsOf("q", 16),
      });
      assert.equal(refused.status, 422);
      assert.deepEqual(refused.body.error, {
        code: "unprocessable",
        message: 'too many tags: project "my-app" (30), pool "large" (16) merge to 46 distinct ' +
          "tags; with Gantry's own 5 an instance would carry 51, over EC2's 50 per resource: " +
          "remove 1 of them",
      });
      assert.equal((await stack.db.select().from(pools)).length, 0);
    });

    let poolId = "";
    await t.step("the same pool with one tag fewer is saved", async () => {
      const saved = await call("POST", "/api/v1/pools", {
        ...POOL,
        projectId,
        tags: tagsOf("q", 15),
      });
      assert.equal(saved.status, 201);
      poolId = saved.body.pool.id;
    });

    await t.step(
      "a repo binding that tips the sum over is refused; an empty one binds",
      async () => {
        const refused = await call("POST", "/api/v1/repos", {
          fullName: "acme/web",
          projectId,
          tags: { extra: "1" },
        });
        assert.equal(refused.status, 422);
        assert.match(
          refused.body.error.message,
          /repo "acme\/web" \(1\) merge to 46 distinct tags/,
        );
        assert.equal((await stack.db.select().from(repos)).length, 0);
        const bound = await call("POST", "/api/v1/repos", { fullName: "acme/web", projectId });
        assert.equal(bound.status, 201);
      },
    );

    await t.step("a project update that overflows with its pool is refused", async () => {
      const refused = await call("PUT", `/api/v1/projects/${projectId}`, {
        name: "my-app",
        tags: tagsOf("p", 31),
      });
      assert.equal(refused.status, 422);
      assert.match(refused.body.error.message, /project "my-app" \(31\), pool "large" \(15\)/);
      const [stored] = await stack.db.select().from(projects);
      assert.equal(Object.keys(stored.tags).length, 30, "unchanged");
      // Keys shared between layers count once: renaming into the pool's keys fits.
      const fits = await call("PUT", `/api/v1/projects/${projectId}`, {
        name: "my-app",
        tags: { ...tagsOf("p", 30), q0: "override" },
      });
      assert.equal(fits.status, 200);
    });

    await t.step("a pool update that overflows is refused", async () => {
      const refused = await call("PUT", `/api/v1/pools/${poolId}`, {
        ...POOL,
        projectId,
        tags: tagsOf("q", 16),
      });
      assert.equal(refused.status, 422);
    });
  } finally {
    await stack.close();
  }
});
