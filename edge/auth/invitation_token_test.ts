import assert from "node:assert/strict";
import { invitationTokenHash, invitationUrl, newInvitationToken } from "./invitation_token.ts";

Deno.test("an invitation token is 43 base64url characters, fresh each time", () => {
  const a = newInvitationToken();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newInvitationToken(), a);
});

Deno.test("a token is stored as its hex SHA-256; the link carries it in the fragment", async () => {
  assert.equal(
    await invitationTokenHash("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    invitationUrl("https://gantry.example", "t0k"),
    "https://gantry.example/invite#token=t0k",
  );
});
