import assert from "node:assert/strict";
import { isCrossOrigin } from "./cross_origin.ts";

const request = (headers: Record<string, string>) =>
  new Request("https://gantry.example.com/api/v1/auth/login", { method: "POST", headers });

Deno.test("a request from the console's own pages is not cross-origin", () => {
  assert.equal(isCrossOrigin(request({ "sec-fetch-site": "same-origin" })), false);
  assert.equal(isCrossOrigin(request({ origin: "https://gantry.example.com" })), false);
  assert.equal(
    isCrossOrigin(
      request({ "sec-fetch-site": "same-origin", origin: "https://gantry.example.com" }),
    ),
    false,
  );
});

Deno.test("a browser request from another site is cross-origin, whichever header tells", () => {
  for (const site of ["cross-site", "same-site"]) {
    assert.equal(isCrossOrigin(request({ "sec-fetch-site": site })), true, site);
  }
  assert.equal(isCrossOrigin(request({ origin: "https://evil.example" })), true);
  assert.equal(isCrossOrigin(request({ origin: "https://gantry.example.com.evil.example" })), true);
  assert.equal(isCrossOrigin(request({ origin: "null" })), true);
  // Sec-Fetch-Site wins: a forged same-origin Origin cannot undo cross-site.
  assert.equal(
    isCrossOrigin(
      request({ "sec-fetch-site": "cross-site", origin: "https://gantry.example.com" }),
    ),
    true,
  );
});

Deno.test("a client with neither header is not a browser and passes (curl, the CLI)", () => {
  assert.equal(isCrossOrigin(request({})), false);
  assert.equal(isCrossOrigin(request({ "sec-fetch-site": "none" })), false);
});
