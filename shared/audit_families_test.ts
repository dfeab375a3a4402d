import assert from "node:assert/strict";
import { auditFamilyOf, currentActionName } from "./audit_families.ts";

Deno.test("each action belongs to the family its first part names; old instance.* rows to machine", () => {
  const cases: [string, string | null][] = [
    ["user.invite", "user"],
    ["auth.login", "user"],
    ["pool.update", "config"],
    ["backup.import", "config"],
    ["job.state", "job"],
    ["machine.terminate", "machine"],
    ["instance.terminate", "machine"],
    ["webhook.redeliver", null],
    ["users.x", null],
  ];
  for (const [action, family] of cases) assert.equal(auditFamilyOf(action), family, action);
});

Deno.test("old action names read as their machine.* names; others as written", () => {
  assert.equal(currentActionName("instance.terminate"), "machine.terminate");
  assert.equal(currentActionName("instance.interrupted"), "machine.interrupted");
  assert.equal(currentActionName("instance.gone"), "machine.gone");
  assert.equal(currentActionName("job.adopt"), "job.adopt");
});
