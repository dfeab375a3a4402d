import assert from "node:assert/strict";
import { renderUserData } from "../../core/runner/user_data.ts";
import type { EmulatedInstance } from "../../test/support/ec2/emulator.ts";
import { configRequestOf, credentialsOf } from "./runner_agent.ts";

const instance = (userData: string | undefined): EmulatedInstance => ({
  instanceId: "i-0123456789abcdef0",
  reservationId: "r-0123456789abcdef0",
  privateIpAddress: "10.0.0.4",
  launchedAt: 0,
  state: "running",
  imageId: "ami-0123456789abcdef0",
  instanceType: "t3.small",
  availabilityZone: "us-east-1a",
  lifecycle: "on-demand",
  tags: {},
  securityGroupIds: [],
  userData,
});

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

Deno.test("an instance finds the edge and its token in the core's user data", () => {
  const userData = renderUserData({ edgeUrl: "http://127.0.0.1:8787/", batchToken: "tok.en-1" });
  const credentials = credentialsOf(instance(base64(userData)));
  assert.deepEqual(credentials, {
    edgeUrl: "http://127.0.0.1:8787",
    token: "tok.en-1",
    instanceId: "i-0123456789abcdef0",
    isStandby: false,
  });
  assert.deepEqual(configRequestOf(credentials!), { instanceId: "i-0123456789abcdef0" });
});

Deno.test("a stopped pool's instance reads STANDBY from its user data", () => {
  const userData = renderUserData({
    edgeUrl: "http://127.0.0.1:8787/",
    batchToken: "tok.en-1",
    isStandby: true,
  });
  assert.equal(credentialsOf(instance(base64(userData)))?.isStandby, true);
});

Deno.test("an instance that is not a Gantry runner has no credentials", () => {
  assert.equal(credentialsOf(instance(undefined)), null);
  assert.equal(credentialsOf(instance(base64("#!/bin/bash\necho hello\n"))), null);
  assert.equal(credentialsOf(instance("not base64!")), null);
});
