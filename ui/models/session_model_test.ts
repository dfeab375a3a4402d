import assert from "node:assert/strict";
import { ApiError } from "../api/client.ts";
import { fakeApi } from "../api/fake_client.ts";
import { createSessionModel, ssoErrorMessage } from "./session_model.ts";

const ADMIN = { id: "u1", email: "admin@example.com", role: "admin" as const, expiresAt: 9e12 };

Deno.test("loading with no session shows the sign-in page without an error", async () => {
  const model = createSessionModel(fakeApi({
    me: () => Promise.reject(new ApiError(401, "unauthorized", "sign in first")),
    authOptions: () => Promise.resolve({ local: true, sso: true, authDisabled: false }),
  }));
  assert.equal(model.status.value, "loading");
  await model.load();
  assert.equal(model.status.value, "signed_out");
  assert.equal(model.error.value, null);
  assert.equal(model.options.value.sso, true, "SSO offered when the edge says so");
});

Deno.test("a wrong password, a lockout and an outage each read as a sentence", async () => {
  const failures = [
    new ApiError(401, "unauthorized", "wrong email or password"),
    new ApiError(429, "rate_limited", "too many", { retryAfterSeconds: 600 }),
    new ApiError(429, "rate_limited", "too many", { retryAfterSeconds: 30 }),
    new ApiError(0, "unreachable", "cannot reach the Gantry edge; check your connection"),
  ];
  const model = createSessionModel(fakeApi({ login: () => Promise.reject(failures.shift()) }));
  const messages = [];
  for (let i = 0; i < 4; i++) {
    assert.equal(await model.signIn("a@example.com", "pw"), false);
    messages.push(model.error.value);
    assert.equal(model.isBusy.value, false);
  }
  assert.deepEqual(messages, [
    "Wrong email or password.",
    "Too many failed sign-ins. Try again in 10 minutes.",
    "Too many failed sign-ins. Try again in 30 seconds.",
    "cannot reach the Gantry edge; check your connection",
  ]);
  assert.equal(model.status.value, "loading", "still not signed in");
});

Deno.test("signing in, expiring and signing out move between the states", async () => {
  const api = fakeApi({ login: () => Promise.resolve(ADMIN), logout: () => Promise.resolve() });
  const model = createSessionModel(api);
  assert.equal(await model.signIn("admin@example.com", "pw"), true);
  assert.equal(model.status.value, "signed_in");
  assert.equal(model.user.value?.email, "admin@example.com");
  model.expire();
  assert.equal(model.status.value, "signed_out");
  assert.equal(model.error.value, "Your session ended. Sign in again.");
  await model.signIn("admin@example.com", "pw");
  await model.signOut();
  assert.equal(model.status.value, "signed_out");
  assert.equal(model.user.value, null);
  assert.equal(model.error.value, null);
  assert.deepEqual(api.calls.map(([name]) => name), ["login", "login", "logout"]);
});

Deno.test("an SSO refusal reason from the callback reads as a sentence; none is no error", () => {
  assert.equal(ssoErrorMessage(null), null);
  assert.match(ssoErrorMessage("email_not_allowed") ?? "", /email is not allowed/);
  assert.match(ssoErrorMessage("group_not_allowed") ?? "", /not in a group allowed/);
  assert.match(ssoErrorMessage("state_mismatch") ?? "", /could not be verified/);
  assert.match(
    ssoErrorMessage("<script>") ?? "",
    /^SSO sign-in failed/,
    "unknown codes are generic",
  );
});
