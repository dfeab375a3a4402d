/**
 * Where a job's just-in-time runner registers with GitHub. A project scoped to
 * an org registers its runners with that org (in a runner group), so GitHub
 * routes them as org runners to any repository of the org, as it would
 * a runner an admin added by hand; every other runner registers with its
 * repository.
 *
 * @module
 */

/** GitHub's "Default" runner group, which every org has. */
export const DEFAULT_RUNNER_GROUP_ID = 1;

/** Where a runner registers: its repository, or its repository's org. */
export type RunnerPlacement =
  | { kind: "repo" }
  | { kind: "org"; org: string; runnerGroupId: number };

/**
 * The placement for a runner of `repoFullName` launched for `project`: the
 * org when the project's scope is the repo's owner (compared case-insensitively,
 * as GitHub does), the repo otherwise (repo-bound projects, or a repo of
 * another owner bound explicitly to an org-scoped project).
 */
export function runnerPlacementOf(
  project: { org: string | null; runnerGroupId: number | null },
  repoFullName: string,
): RunnerPlacement {
  const owner = repoFullName.split("/")[0]?.toLowerCase() ?? "";
  if (project.org === null || owner === "" || project.org.toLowerCase() !== owner) {
    return { kind: "repo" };
  }
  return {
    kind: "org",
    org: owner,
    runnerGroupId: project.runnerGroupId ?? DEFAULT_RUNNER_GROUP_ID,
  };
}
