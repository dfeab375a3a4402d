/**
 * The OpenAPI document against the app it describes, in-process: every
 * `/api/v1` route the app serves is in the document and nothing else is,
 * the document is valid OpenAPI 3.1 by a validator someone else wrote, and
 * the schemas in it are the ones the routes validate with.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import app from "../index.ts";
import { ACCESS_KEY } from "./describe.ts";
import { API_PREFIX, openApiDocument } from "./document.ts";

/**
 * Served but not yet described: the user admin routes, whose file another
 * branch rewrites. Whoever merges it adds their `describe(…)` lines and
 * empties this list; the test fails while an entry here is documented.
 */
const AWAITING_DESCRIPTION = new Set<string>([]);

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** `METHOD /path/{param}` for every route the app answers under `/api/v1/`. */
function servedOperations(): Set<string> {
  const served = new Set<string>();
  for (const route of app.routes) {
    // `ALL` entries are middleware (`use`) and the JSON 404 for unknown API paths.
    if (route.method === "ALL" || !route.path.startsWith(API_PREFIX)) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    served.add(`${route.method} ${path}`);
  }
  return served;
}

type Operation = Record<string, unknown> & {
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  security?: Record<string, string[]>[];
};

function operationsOf(document: Awaited<ReturnType<typeof openApiDocument>>) {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, unknown>)[method];
      if (operation) operations.set(`${method.toUpperCase()} ${path}`, operation as Operation);
    }
  }
  return operations;
}

Deno.test("every /api/v1 route the app serves is documented, and nothing else", async () => {
  const served = servedOperations();
  const documented = new Set(operationsOf(await openApiDocument(app)).keys());
  const undocumented = [...served].filter((operation) => !documented.has(operation)).sort();
  assert.deepEqual(undocumented, [...AWAITING_DESCRIPTION].sort());
  const unserved = [...documented].filter((operation) => !served.has(operation));
  assert.deepEqual(unserved, []);
  // Sanity: the enumeration sees the routes of every sub-app, not just the root's.
  assert.ok(served.has("GET /api/v1/jobs/{id}"));
  assert.ok(served.has("POST /api/v1/dead-letters/{eventId}/requeue"));
  assert.ok(served.has("GET /api/v1/auth/oidc/callback"));
  assert.ok(served.has("GET /api/v1/openapi.json"));
});

Deno.test("the document is valid OpenAPI 3.1", async () => {
  const validator = new Validator();
  const result = await validator.validate(await openApiDocument(app));
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, "3.1");
});

Deno.test("each operation states its access, security and refusals", async () => {
  const operations = operationsOf(await openApiDocument(app));
  for (const [key, operation] of operations) {
    const access = operation[ACCESS_KEY];
    assert.ok(
      access === "public" || access === "viewer" || access === "admin" || access === "bootstrap",
      `${key}: ${access}`,
    );
    const statuses = Object.keys(operation.responses);
    assert.ok(statuses.some((status) => status.startsWith("2") || status === "302"), key);
    assert.ok(statuses.includes("503"), `${key} may find the database down`);
    assert.equal(statuses.includes("401"), access !== "public", `${key} 401`);
    assert.equal(statuses.includes("403"), access === "admin", `${key} 403`);
    if (operation.requestBody) {
      for (const status of ["400", "413", "415"]) assert.ok(statuses.includes(status), key);
    }
  }
  assert.deepEqual(operations.get("GET /api/v1/auth/options")?.security, []);
  assert.deepEqual(operations.get("POST /api/v1/pools")?.security, [
    { sessionCookie: [] },
    { sessionBearer: [] },
  ]);
  assert.deepEqual(operations.get("POST /api/v1/auth/bootstrap")?.security, [
    { bootstrapToken: [] },
  ]);
  assert.equal(operations.get("DELETE /api/v1/pools/{id}")?.[ACCESS_KEY], "admin");
  assert.equal(operations.get("GET /api/v1/pools")?.[ACCESS_KEY], "viewer");
});

Deno.test("bodies and queries are the schemas the routes validate with", async () => {
  const operations = operationsOf(await openApiDocument(app));
  const pool = operations.get("POST /api/v1/pools")?.requestBody?.content["application/json"]
    .schema;
  // PoolInput is a strict object that needs a project and a name.
  assert.equal(pool?.additionalProperties, false);
  assert.ok((pool?.required as string[]).includes("projectId"));
  const jobs = operations.get("GET /api/v1/jobs")?.parameters ?? [];
  assert.deepEqual(
    jobs.map((parameter) => [parameter.in, parameter.name, parameter.required ?? false]),
    [
      ["query", "status", false],
      ["query", "project", false],
      ["query", "pool", false],
      ["query", "repo", false],
      ["query", "cursor", false],
      ["query", "limit", false],
    ],
  );
  const login = operations.get("POST /api/v1/auth/login")?.requestBody?.content["application/json"]
    .schema;
  assert.deepEqual(login?.required, ["email", "password"]);
  const requeue = operations.get("POST /api/v1/dead-letters/{eventId}/requeue")?.parameters;
  assert.deepEqual(requeue?.map((parameter) => [parameter.in, parameter.name]), [
    ["path", "eventId"],
  ]);
  // An answer's defaults are filled in, so its schema requires them (zod's output side).
  const overview = operations.get("GET /api/v1/overview")?.responses["200"].content?.[
    "application/json"
  ].schema;
  assert.ok((overview?.required as string[]).includes("queue"));
});
