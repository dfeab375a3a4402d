import assert from "node:assert/strict";
import { isSpotReclaimedReason } from "./instance_states.ts";

Deno.test("only EC2's spot termination reason counts as a reclaimed spot instance", () => {
  assert.equal(isSpotReclaimedReason("Server.SpotInstanceTermination"), true);
  assert.equal(isSpotReclaimedReason("Client.UserInitiatedShutdown"), false);
  assert.equal(isSpotReclaimedReason("Server.InternalError"), false);
  assert.equal(isSpotReclaimedReason(null), false);
});
