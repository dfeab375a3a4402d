/**
 * deploy/github-app-manifest.json asks for exactly what the code uses: the
 * permissions of the REST routes the core calls (found in core/github/, each
 * checked against GitHub's OpenAPI description from `@octokit/openapi`: the
 * route exists, works with GitHub Apps, and is JWT-only exactly when the
 * table says so), metadata read, and the webhook events the edge processes.
 */
import assert from "node:assert/strict";
import { type PermissionSet, ROUTE_PERMISSIONS } from "./github_permissions.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

interface Operation {
  description?: string;
  "x-github"?: { enabledForGitHubApps?: boolean; subcategory?: string };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  "x-webhooks": Record<
    string,
    Record<string, Operation & { "x-github"?: { "supported-webhook-types"?: string[] } }>
  >;
  components: {
    schemas: Record<string, { properties: Record<string, { enum?: string[] }> }>;
  };
}

const openapi: OpenApi = JSON.parse(
  await read("node_modules/@octokit/openapi/generated/api.github.com.json"),
);
const manifest = JSON.parse(await read("deploy/github-app-manifest.json")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
  hook_attributes: { url: string };
  public: boolean;
};

/** `"GET /repos/{owner}/{repo}/…"` route strings in the core's GitHub adapter. */
async function coreRoutes(): Promise<string[]> {
  const routes = new Set<string>();
  for await (const entry of Deno.readDir(new URL("core/github/", ROOT))) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    const source = await read(`core/github/${entry.name}`);
    for (const match of source.matchAll(/["'`]((?:GET|POST|PUT|PATCH|DELETE) \/[^"'`\s]*)["'`]/g)) {
      routes.add(match[1]);
    }
  }
  return [...routes].sort();
}

/** The `workflow_job`-style events the edge's webhook route acts on (`ping` needs no subscription). */
async function edgeEvents(): Promise<string[]> {
  const source = await read("edge/webhook/route.ts");
  const events = [...source.matchAll(/event\s*[!=]==\s*"([a-z_]+)"/g)].map((m) => m[1]);
  return [...new Set(events)].filter((event) => event !== "ping").sort();
}

const LEVELS = { read: 1, write: 2 } as const;

function merge(into: PermissionSet, more: PermissionSet): PermissionSet {
  for (const [name, level] of Object.entries(more)) {
    if (!into[name] || LEVELS[level] > LEVELS[into[name]]) into[name] = level;
  }
  return into;
}

const routes = await coreRoutes();

Deno.test("the core's GitHub routes are found and each has a permission row", () => {
  assert.ok(routes.includes("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig"));
  assert.ok(routes.length >= 10, `found ${routes.length} routes`);
  assert.deepEqual(routes.filter((route) => !(route in ROUTE_PERMISSIONS)), []);
});

Deno.test("every route the core calls exists in GitHub's OpenAPI description and works for Apps", () => {
  for (const route of Object.keys(ROUTE_PERMISSIONS)) {
    const [method, path] = route.split(" ");
    const operation = openapi.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${route} is in api.github.com's description`);
    // GitHub documents JWT-only routes as such; the table must agree.
    const isJwt = /must use a \[JWT\]/.test(operation.description ?? "");
    assert.equal(isJwt, ROUTE_PERMISSIONS[route] === "app", `${route}: App JWT or installation`);
    if (!isJwt) {
      // Installation tokens work here (JWT routes are the App's own, flagged otherwise).
      assert.equal(operation["x-github"]?.enabledForGitHubApps, true, `${route} works with Apps`);
    }
  }
});

Deno.test("the manifest's permissions are exactly those of the routes the core calls", () => {
  const needed: PermissionSet = { metadata: "read" };
  for (const route of routes) {
    const permission = ROUTE_PERMISSIONS[route];
    if (permission !== "app") merge(needed, permission);
  }
  // The workflow_job webhook is delivered to Apps with the Actions permission.
  merge(needed, { actions: "read" });
  assert.deepEqual(manifest.default_permissions, sortedKeys(needed));
  assert.deepEqual(Object.keys(manifest.default_permissions), Object.keys(sortedKeys(needed)));
  const schema = openapi.components.schemas["app-permissions"].properties;
  for (const [name, level] of Object.entries(manifest.default_permissions)) {
    assert.ok(schema[name]?.enum?.includes(level), `${name}: ${level} is a GitHub App permission`);
  }
});

Deno.test("the manifest subscribes to exactly the events the edge processes", async () => {
  const events = await edgeEvents();
  assert.ok(events.includes("workflow_job"), "the event parser finds the edge's events");
  assert.deepEqual([...manifest.default_events].sort(), events);
  for (const event of events) {
    const hooks = Object.values(openapi["x-webhooks"]).map((hook) => hook.post?.["x-github"])
      .filter((meta) => meta?.subcategory === event);
    assert.ok(hooks.length > 0, `${event} is a GitHub webhook`);
    assert.ok(hooks.every((meta) => meta?.["supported-webhook-types"]?.includes("app")));
  }
  assert.match(manifest.hook_attributes.url, /^https:\/\/.+\/webhook$/);
  assert.equal(manifest.public, false);
});

function sortedKeys(set: PermissionSet): PermissionSet {
  return Object.fromEntries(Object.entries(set).sort(([a], [b]) => a.localeCompare(b)));
}
