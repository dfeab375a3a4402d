/**
 * libSQL is the source of truth for projects, repos and pools: the core seeds
 * its YAML `projects:` only where nothing exists, a console edit (through the
 * edge's API in workerd) is what the core's next routing read sees, and a
 * core restart does not put the YAML values back.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../../core/db/database.ts";
import { seedProjects } from "../../core/db/seed.ts";
import { Store } from "../../core/db/store.ts";
import { parseCoreConfig } from "../../shared/schema/config.ts";
import { operatorToken } from "../support/operator.ts";
import { SESSION_SECRET, startConsoleStack } from "../ui/stack.ts";

const YAML_PROJECTS = [{
  name: "my-app",
  cap: 3,
  repos: [{ full_name: "octocat/hello-world" }],
  pools: [{
    name: "small",
    default: true,
    ami: "ami-0abcdef1234567890",
    instance_types: ["t3.small"],
    subnets: ["subnet-aaa111"],
  }],
}];

function declaredProjects() {
  const parsed = parseCoreConfig({
    edge: { url: "http://127.0.0.1:1", private_key_file: "/dev/null" },
    database: { url: "file:unused.db" },
    github: { app_id: 1, private_key_file: "/dev/null" },
    projects: YAML_PROJECTS,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.projects;
}

Deno.test("a console edit is what the core routes by next, and a restart keeps it", async () => {
  const stack = await startConsoleStack();
  const { client, db } = await openDatabase(stack.libsql.url);
  const store = new Store(client, db);
  const token = await operatorToken(SESSION_SECRET, "admin");
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  try {
    await seedProjects(db, declaredProjects(), 1_000);
    const seeded = await store.bindingOf("octocat/hello-world");
    assert.deepEqual(seeded?.pools.map((p) => p.instanceTypes), [["t3.small"]]);

    const { pools } = await api("GET", "/api/v1/pools");
    const small = pools[0];
    await api("PUT", `/api/v1/pools/${small.id}`, {
      ...small,
      id: undefined,
      project: undefined,
      launchTemplateId: undefined,
      launchTemplateVersion: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      instanceTypes: ["c5.large", "c5.xlarge"],
    });
    const { projects } = await api("GET", "/api/v1/projects");
    await api("PUT", `/api/v1/projects/${projects[0].id}`, { name: "my-app", cap: 8 });
    await api("POST", "/api/v1/pools", {
      projectId: projects[0].id,
      name: "large",
      ami: "ami-0abcdef1234567890",
      instanceTypes: ["m5.large"],
      subnets: ["subnet-aaa111"],
    });

    const edited = await store.bindingOf("octocat/hello-world");
    assert.deepEqual(
      edited?.pools.map((p) => [p.name, p.instanceTypes]).sort(),
      [["large", ["m5.large"]], ["small", ["c5.large", "c5.xlarge"]]],
      "the next job's routing read sees the console's pools",
    );
    assert.equal(edited?.project.cap, 8);

    // The core restarts with the same YAML: it seeds nothing over the console's edits.
    await seedProjects(db, declaredProjects(), 2_000);
    const restarted = await store.bindingOf("octocat/hello-world");
    assert.deepEqual(
      restarted?.pools.find((p) => p.name === "small")?.instanceTypes,
      ["c5.large", "c5.xlarge"],
    );
    assert.equal(restarted?.project.cap, 8);
    assert.equal(restarted?.pools.length, 2);
  } finally {
    client.close();
    await stack.close();
  }
});
