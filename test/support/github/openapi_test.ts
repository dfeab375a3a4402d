import assert from "node:assert/strict";
import {
  findOperation,
  loadGithubOpenApi,
  type OpenApiDocument,
  type Schema,
  validateResponse,
  validateSchema,
} from "./openapi.ts";

const empty: OpenApiDocument = { paths: {}, components: {} };

Deno.test("the validator reports type, required, enum and nullable violations with their path", () => {
  const schema: Schema = {
    type: "object",
    required: ["id", "status"],
    properties: {
      id: { type: "integer" },
      status: { type: "string", enum: ["queued", "completed"] },
      conclusion: { type: "string", nullable: true },
      labels: { type: "array", items: { type: "string" }, minItems: 1 },
    },
  };
  assert.deepEqual(
    validateSchema(empty, schema, { id: 1, status: "queued", conclusion: null, labels: ["x"] }),
    [],
  );
  assert.deepEqual(validateSchema(empty, schema, { id: 1.5, status: "done", labels: [3] }), [
    "$.id: expected integer, got number",
    '$.status: "done" is not one of ["queued","completed"]',
    "$.labels[0]: expected string, got integer",
  ]);
  assert.deepEqual(validateSchema(empty, schema, { id: 1, labels: [] }), [
    '$: missing required property "status"',
    "$.labels: fewer than 1 items",
  ]);
  assert.deepEqual(validateSchema(empty, { ...schema, nullable: true }, null), []);
  assert.deepEqual(validateSchema(empty, schema, null), ["$: expected object, got null"]);
});

Deno.test("oneOf needs exactly one match; anyOf at least one; allOf every one", () => {
  const user: Schema = { type: "object", required: ["login"] };
  const enterprise: Schema = { type: "object", required: ["slug"] };
  assert.deepEqual(validateSchema(empty, { oneOf: [user, enterprise] }, { login: "a" }), []);
  assert.match(
    validateSchema(empty, { oneOf: [user, enterprise] }, { login: "a", slug: "b" })[0],
    /matches 2 of oneOf/,
  );
  assert.deepEqual(
    validateSchema(empty, { anyOf: [user, enterprise] }, { login: "a", slug: "b" }),
    [],
  );
  assert.match(
    validateSchema(empty, { anyOf: [user, enterprise] }, {})[0],
    /matches none of anyOf/,
  );
  assert.deepEqual(validateSchema(empty, { allOf: [user, enterprise] }, { login: "a" }), [
    '$: missing required property "slug"',
  ]);
  assert.deepEqual(
    validateSchema(empty, { type: "object", properties: {}, additionalProperties: false }, {
      a: 1,
    }),
    ['$: unexpected property "a"'],
  );
});

Deno.test("GitHub's description finds operations and catches a runner missing a required field", async () => {
  const openapi = await loadGithubOpenApi();
  assert.equal(
    findOperation(openapi, "GET", "/repos/acme/web/actions/jobs/42")?.operationId,
    "actions/get-job-for-workflow-run",
  );
  assert.equal(
    findOperation(openapi, "POST", "/orgs/acme/actions/runners/generate-jitconfig")?.template,
    "/orgs/{org}/actions/runners/generate-jitconfig",
  );
  const runner = { id: 1, name: "r", os: "linux", status: "online", labels: [] };
  assert.deepEqual(
    validateResponse(openapi, {
      method: "GET",
      path: "/repos/acme/web/actions/runners/1",
      status: 200,
      body: runner,
    }),
    ['actions/get-self-hosted-runner-for-repo 200 $: missing required property "busy"'],
  );
  assert.deepEqual(
    validateResponse(openapi, {
      method: "DELETE",
      path: "/repos/acme/web/actions/runners/1",
      status: 204,
      body: null,
    }),
    [],
  );
  assert.throws(
    () =>
      validateResponse(openapi, {
        method: "GET",
        path: "/repos/acme/web/actions/runners/1",
        status: 418,
        body: {},
      }),
    /documents no 418 response/,
  );
});
