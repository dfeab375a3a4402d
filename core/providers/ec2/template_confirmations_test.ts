import assert from "node:assert/strict";
import {
  isTemplateGone,
  TEMPLATE_TRUST_MS,
  TemplateConfirmations,
} from "./template_confirmations.ts";

Deno.test("a template seen to exist is trusted for 5 minutes, to the millisecond", () => {
  assert.equal(TEMPLATE_TRUST_MS, 300_000);
  const clock = { now: 1_000 };
  const seen = new TemplateConfirmations(() => clock.now);
  assert.equal(seen.isTrusted("lt-1"), false, "never seen");
  seen.confirm("lt-1");
  clock.now += 299_999;
  assert.equal(seen.isTrusted("lt-1"), true, "one ms under");
  clock.now += 1;
  assert.equal(seen.isTrusted("lt-1"), false, "at the limit");
  assert.equal(seen.isTrusted("lt-2"), false, "another id");
});

Deno.test("forgetting says whether the template was trusted, and ends the trust", () => {
  const clock = { now: 0 };
  const seen = new TemplateConfirmations(() => clock.now);
  seen.confirm("lt-1");
  assert.equal(seen.forget("lt-1"), true);
  assert.equal(seen.isTrusted("lt-1"), false);
  assert.equal(seen.forget("lt-1"), false, "a second forget: nothing was trusted");
  seen.confirm("lt-2");
  clock.now = TEMPLATE_TRUST_MS;
  assert.equal(seen.forget("lt-2"), false, "expired: not trusted any more");
});

Deno.test("only a missing template counts as gone, not a missing version or a malformed id", () => {
  assert.equal(isTemplateGone("InvalidLaunchTemplateId.NotFound"), true);
  assert.equal(isTemplateGone("InvalidLaunchTemplateName.NotFoundException"), true);
  assert.equal(isTemplateGone("InvalidLaunchTemplateId.VersionNotFound"), false);
  assert.equal(isTemplateGone("InvalidLaunchTemplateId.Malformed"), false);
  assert.equal(isTemplateGone(undefined), false);
});
