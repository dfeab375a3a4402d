import assert from "node:assert/strict";
import type { Env } from "../env.ts";
import { isAuthDisabled } from "./auth_config.ts";
import { ConfigError } from "../../shared/errors.ts";
import { oidcConfigOf } from "./oidc_config.ts";

const env = (vars: Partial<Env>) => vars as Env;
const SSO = { OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "gantry" };

Deno.test("SSO is off until both the issuer and the client id are set", () => {
  assert.equal(oidcConfigOf(env({})), null);
  assert.equal(oidcConfigOf(env({ OIDC_ISSUER: SSO.OIDC_ISSUER })), null);
  assert.equal(oidcConfigOf(env({ OIDC_CLIENT_ID: "gantry" })), null);
});

Deno.test("SSO lists are parsed from commas or spaces; domains and emails lower-cased", () => {
  const config = oidcConfigOf(env({
    ...SSO,
    OIDC_CLIENT_SECRET: "s3cret",
    OIDC_ALLOWED_DOMAINS: "Example.com, @corp.example ",
    OIDC_ALLOWED_EMAILS: "Ada@Partner.test",
    OIDC_ALLOWED_GROUPS: "ci-operators platform",
    OIDC_ADMIN_GROUPS: "ci-admins",
  }))!;
  assert.deepEqual(config.allowedDomains, ["example.com", "corp.example"]);
  assert.deepEqual(config.allowedEmails, ["ada@partner.test"]);
  assert.deepEqual(config.allowedGroups, ["ci-operators", "platform"]);
  assert.deepEqual(config.adminGroups, ["ci-admins"]);
  assert.equal(config.clientSecret, "s3cret");
  assert.equal(config.scopes, "openid email profile");
  assert.equal(config.groupsClaim, "groups");
});

Deno.test("SSO without any allowlist, or with a plain-http remote issuer, is refused", () => {
  assert.throws(() => oidcConfigOf(env(SSO)), ConfigError);
  assert.throws(
    () =>
      oidcConfigOf(
        env({ ...SSO, OIDC_ALLOWED_DOMAINS: "example.com", OIDC_ISSUER: "http://idp.example.com" }),
      ),
    /OIDC_ISSUER/,
  );
  assert.throws(
    () => oidcConfigOf(env({ ...SSO, OIDC_ALLOWED_DOMAINS: "x.test", OIDC_SCOPES: "email" })),
    /openid/,
  );
  const local = oidcConfigOf(env({
    ...SSO,
    OIDC_ISSUER: "http://127.0.0.1:9999",
    OIDC_ALLOWED_GROUPS: "ci",
  }));
  assert.equal(local?.issuer.href, "http://127.0.0.1:9999/", "loopback http is for tests");
});

Deno.test("AUTH_DISABLED is on only for true; a typo is an error, not a silent choice", () => {
  assert.equal(isAuthDisabled(env({})), false);
  assert.equal(isAuthDisabled(env({ AUTH_DISABLED: "" })), false);
  assert.equal(isAuthDisabled(env({ AUTH_DISABLED: "false" })), false);
  assert.equal(isAuthDisabled(env({ AUTH_DISABLED: "true" })), true);
  assert.equal(isAuthDisabled(env({ AUTH_DISABLED: " TRUE " })), true);
  for (const typo of ["yes", "1", "on", "ture"]) {
    assert.throws(() => isAuthDisabled(env({ AUTH_DISABLED: typo })), /AUTH_DISABLED/, typo);
  }
});
