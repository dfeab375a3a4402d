import assert from "node:assert/strict";
import { RUNNER_GROUP_ID_PROBLEM, runnerGroupIdOf } from "./runner_group_id.ts";

Deno.test("a blank runner group id sends nothing; a positive whole number is sent", () => {
  assert.deepEqual(runnerGroupIdOf(""), { ok: true, runnerGroupId: undefined });
  assert.deepEqual(runnerGroupIdOf("  "), { ok: true, runnerGroupId: undefined });
  assert.deepEqual(runnerGroupIdOf("7"), { ok: true, runnerGroupId: 7 });
  assert.deepEqual(runnerGroupIdOf(" 12 "), { ok: true, runnerGroupId: 12 });
});

Deno.test("zero, negatives, fractions and non-numbers are refused with one clear message", () => {
  for (const text of ["0", "00", "-3", "1.5", "7.0", "1e3", "0x7", "abc", "99999999999999999999"]) {
    assert.deepEqual(runnerGroupIdOf(text), { ok: false, message: RUNNER_GROUP_ID_PROBLEM }, text);
  }
});
