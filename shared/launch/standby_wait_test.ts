import assert from "node:assert/strict";
import { hibernatesStandby, STANDBY_JOB_ID } from "./standby_wait.ts";

Deno.test("a pool of one instance type hibernates its standby instances", () => {
  assert.equal(hibernatesStandby({ instanceTypes: ["m5.large"] }), true);
});

Deno.test("a pool of several types keeps the plain stop (a hibernated instance cannot be resized)", () => {
  assert.equal(hibernatesStandby({ instanceTypes: ["m5.large", "m5.xlarge"] }), false);
});

Deno.test("the standby deposit's job id is the literal the edge and the core share", () => {
  assert.equal(STANDBY_JOB_ID, "standby");
});
