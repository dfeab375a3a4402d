import assert from "node:assert/strict";
import { ssoAccessOf } from "./sso_access.ts";

const NO_RULES = {
  groupsClaim: "groups",
  allowedDomains: [],
  allowedEmails: [],
  allowedGroups: [],
  adminGroups: [],
  adminEmails: [],
  // Most tests here are about the allowlists; verification has its own test below.
  allowsUnverifiedEmails: true,
};

Deno.test("an allowed domain admits any verified email in it, as a viewer", () => {
  const rules = { ...NO_RULES, allowedDomains: ["example.com"] };
  const access = ssoAccessOf({ email: "Ada@Example.com", email_verified: true }, rules);
  assert.deepEqual(access, {
    isAllowed: true,
    email: "ada@example.com",
    role: "viewer",
    groups: [],
  });
  const other = ssoAccessOf({ email: "ada@example.com.evil.test" }, rules);
  assert.equal(other.isAllowed, false);
  assert.equal(!other.isAllowed && other.reason, "email_not_allowed");
  const sub = ssoAccessOf({ email: "ada@sub.example.com" }, rules);
  assert.equal(sub.isAllowed, false, "a subdomain is another domain");
});

Deno.test("an allowed email admits exactly that address", () => {
  const rules = { ...NO_RULES, allowedEmails: ["contractor@partner.test"] };
  assert.equal(ssoAccessOf({ email: "CONTRACTOR@partner.test" }, rules).isAllowed, true);
  const refused = ssoAccessOf({ email: "other@partner.test" }, rules);
  assert.deepEqual(refused, {
    isAllowed: false,
    reason: "email_not_allowed",
    email: "other@partner.test",
    groups: [],
  });
});

Deno.test("an allowed group admits its members only; the claim name is configurable", () => {
  const rules = { ...NO_RULES, groupsClaim: "roles", allowedGroups: ["ci-operators"] };
  assert.equal(
    ssoAccessOf({ email: "a@x.test", roles: ["staff", "ci-operators"] }, rules).isAllowed,
    true,
  );
  assert.equal(ssoAccessOf({ email: "a@x.test", roles: "ci-operators" }, rules).isAllowed, true);
  const outsider = ssoAccessOf(
    { email: "a@x.test", groups: ["ci-operators"], roles: ["staff"] },
    rules,
  );
  assert.equal(!outsider.isAllowed && outsider.reason, "group_not_allowed");
  const none = ssoAccessOf({ email: "a@x.test" }, rules);
  assert.equal(!none.isAllowed && none.reason, "group_not_allowed");
});

Deno.test("domain and group together: both must hold", () => {
  const rules = { ...NO_RULES, allowedDomains: ["example.com"], allowedGroups: ["ci"] };
  assert.equal(ssoAccessOf({ email: "a@example.com", groups: ["ci"] }, rules).isAllowed, true);
  const wrongGroup = ssoAccessOf({ email: "a@example.com", groups: ["sales"] }, rules);
  assert.equal(!wrongGroup.isAllowed && wrongGroup.reason, "group_not_allowed");
  const wrongDomain = ssoAccessOf({ email: "a@other.test", groups: ["ci"] }, rules);
  assert.equal(!wrongDomain.isAllowed && wrongDomain.reason, "email_not_allowed");
});

Deno.test("admin groups and admin emails give the admin role and count as allowed", () => {
  const rules = {
    ...NO_RULES,
    allowedDomains: ["example.com"],
    allowedGroups: ["ci"],
    adminGroups: ["ci-admins"],
    adminEmails: ["boss@elsewhere.test"],
  };
  const byGroup = ssoAccessOf({ email: "a@example.com", groups: ["ci-admins"] }, rules);
  assert.equal(byGroup.isAllowed && byGroup.role, "admin");
  const member = ssoAccessOf({ email: "b@example.com", groups: ["ci"] }, rules);
  assert.equal(member.isAllowed && member.role, "viewer");
  const byEmail = ssoAccessOf({ email: "boss@elsewhere.test", groups: ["ci"] }, rules);
  assert.equal(byEmail.isAllowed && byEmail.role, "admin");
});

Deno.test("no email, or an email the provider marks unverified, is refused", () => {
  const rules = { ...NO_RULES, allowedDomains: ["example.com"] };
  const missing = ssoAccessOf({ sub: "123" }, rules);
  assert.equal(!missing.isAllowed && missing.reason, "no_email");
  const unverified = ssoAccessOf({ email: "a@example.com", email_verified: false }, rules);
  assert.equal(!unverified.isAllowed && unverified.reason, "email_unverified");
});

Deno.test("an email counts only when the provider says it is verified, unless the operator opts out", () => {
  const strict = { ...NO_RULES, allowsUnverifiedEmails: false, allowedDomains: ["example.com"] };
  const cases: [Record<string, unknown>, boolean, boolean][] = [
    // claims, allowsUnverifiedEmails, admitted
    [{ email: "a@example.com", email_verified: true }, false, true],
    [{ email: "a@example.com" }, false, false],
    [{ email: "a@example.com", email_verified: "true" }, false, false],
    [{ email: "a@example.com", email_verified: false }, false, false],
    [{ email: "a@example.com" }, true, true],
    [{ email: "a@example.com", email_verified: false }, true, false],
  ];
  for (const [claims, allowsUnverifiedEmails, isAdmitted] of cases) {
    const access = ssoAccessOf(claims, { ...strict, allowsUnverifiedEmails });
    assert.equal(access.isAllowed, isAdmitted, JSON.stringify({ claims, allowsUnverifiedEmails }));
    if (!access.isAllowed) assert.equal(access.reason, "email_unverified");
  }
});
