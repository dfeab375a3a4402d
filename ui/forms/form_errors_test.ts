import assert from "node:assert/strict";
import { PoolInput, ProjectInput } from "../../shared/schema/config_api.ts";
import { ApiError } from "../api/client.ts";
import { errorsOfFailure, listOf, tagsOf, validate } from "./form_errors.ts";

Deno.test("the browser refuses a reserved tag with the API's message, under the tags field", () => {
  const result = validate(ProjectInput, { name: "my-app", tags: { "gantry:job": "1" } });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.fields, {
    tags: 'gantry:job: the "gantry:" prefix is reserved for Gantry\'s own tags',
  });
});

Deno.test("every bad pool field gets its own message", () => {
  const result = validate(PoolInput, {
    projectId: "",
    name: "!!",
    ami: "ubuntu",
    instanceTypes: [],
    subnets: ["subnet-1"],
  });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(Object.keys(result.errors.fields).sort(), [
    "ami",
    "instanceTypes",
    "name",
    "projectId",
  ]);
});

Deno.test("a server conflict shows as the form's message; issues go to fields", () => {
  assert.deepEqual(errorsOfFailure(new ApiError(409, "conflict", "already bound")), {
    message: "already bound",
    fields: {},
  });
  assert.deepEqual(
    errorsOfFailure(
      new ApiError(400, "invalid", "invalid", { issues: [{ path: "cap", message: "too small" }] }),
    ).fields,
    { cap: "too small" },
  );
});

Deno.test("tags and lists parse as typed", () => {
  assert.deepEqual(tagsOf("team=platform\n\n cost = ci "), {
    ok: true,
    tags: { team: "platform", cost: "ci" },
  });
  assert.deepEqual(tagsOf("team"), { ok: false, message: "line 1: expected key=value" });
  assert.deepEqual(listOf("m5.large, m5.xlarge\nc5.large"), ["m5.large", "m5.xlarge", "c5.large"]);
});
