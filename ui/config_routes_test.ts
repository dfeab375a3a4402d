import assert from "node:assert/strict";
import { routeOf } from "./router.ts";

Deno.test("every configuration page has its own URL", () => {
  for (const page of ["projects", "repos", "pools", "backup"] as const) {
    assert.deepEqual(routeOf(`/${page}`), { page });
    assert.deepEqual(routeOf(`/${page}/`), { page }, "a trailing slash is the same page");
  }
  assert.deepEqual(routeOf("/pools/x"), { page: "not_found", path: "/pools/x" });
});
