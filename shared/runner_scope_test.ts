import assert from "node:assert/strict";
import { DEFAULT_RUNNER_GROUP_ID, runnerPlacementOf } from "./runner_scope.ts";

Deno.test("runners register with the org of an org-scoped project, in its runner group", () => {
  const cases: [
    { org: string | null; runnerGroupId: number | null },
    string,
    ReturnType<typeof runnerPlacementOf>,
  ][] = [
    [{ org: null, runnerGroupId: null }, "acme/web", { kind: "repo" }],
    [{ org: null, runnerGroupId: 7 }, "acme/web", { kind: "repo" }],
    [{ org: "acme", runnerGroupId: null }, "acme/web", {
      kind: "org",
      org: "acme",
      runnerGroupId: DEFAULT_RUNNER_GROUP_ID,
    }],
    [{ org: "acme", runnerGroupId: 7 }, "Acme/Web", { kind: "org", org: "acme", runnerGroupId: 7 }],
    // A repo of another owner bound explicitly to the org-scoped project: its own runner.
    [{ org: "acme", runnerGroupId: 7 }, "octocat/hello", { kind: "repo" }],
    [{ org: "acme", runnerGroupId: null }, "", { kind: "repo" }],
    // A repo with no owner never matches, not even a project whose org is empty.
    [{ org: "", runnerGroupId: null }, "", { kind: "repo" }],
    [{ org: "", runnerGroupId: null }, "/web", { kind: "repo" }],
  ];
  for (const [project, repo, expected] of cases) {
    assert.deepEqual(runnerPlacementOf(project, repo), expected, `${project.org} ${repo}`);
  }
});
