import assert from "node:assert/strict";
import { reposToSweep, rotated } from "./reconcile_plan.ts";

Deno.test("the sweep covers enabled bindings and the unbound repos of org scopes, each once", () => {
  assert.deepEqual(
    reposToSweep(
      [
        { fullName: "acme/web", isDisabled: false },
        { fullName: "octo/tool", isDisabled: false },
        // Bound to a disabled project: the binding wins, so the org scope does not take it.
        { fullName: "acme/legacy", isDisabled: true },
      ],
      ["acme/web", "Acme/API", "acme/legacy", "acme/cli", "acme/api"],
    ),
    ["acme/web", "octo/tool", "Acme/API", "acme/cli"],
  );
  assert.deepEqual(reposToSweep([], []), []);
});

Deno.test("a cut-short sweep resumes where it stopped, wrapping round", () => {
  const repos = ["a", "b", "c", "d"];
  assert.deepEqual(rotated(repos, 0), ["a", "b", "c", "d"]);
  assert.deepEqual(rotated(repos, 2), ["c", "d", "a", "b"]);
  assert.deepEqual(rotated(repos, 6), ["c", "d", "a", "b"], "an offset past a shrunk list wraps");
  assert.deepEqual(rotated(repos, -1), ["d", "a", "b", "c"]);
  assert.deepEqual(rotated([], 3), []);
});
