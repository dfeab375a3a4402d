/**
 * What each GitHub REST route the core calls needs from its GitHub App, from
 * GitHub's "Permissions required for GitHub Apps" reference (and each
 * endpoint's "Fine-grained access tokens" section): a permission and level
 * for installation tokens, `{}` for routes every installation may call, or
 * `"app"` for routes called with the App's own JWT, which need no installation
 * permission. A route the core starts calling is a new row here.
 *
 * @module
 */

/** Permission name (as in a manifest's `default_permissions`) → level. */
export type PermissionSet = Record<string, "read" | "write">;

export const ROUTE_PERMISSIONS: Record<string, PermissionSet | "app"> = {
  "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig": { administration: "write" },
  "GET /repos/{owner}/{repo}/actions/runners": { administration: "read" },
  "DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}": { administration: "write" },
  "POST /orgs/{org}/actions/runners/generate-jitconfig": {
    organization_self_hosted_runners: "write",
  },
  "GET /orgs/{org}/actions/runners": { organization_self_hosted_runners: "read" },
  "DELETE /orgs/{org}/actions/runners/{runner_id}": { organization_self_hosted_runners: "write" },
  "GET /repos/{owner}/{repo}/actions/runs": { actions: "read" },
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}": { actions: "read" },
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs": { actions: "read" },
  "GET /repos/{owner}/{repo}/actions/jobs/{job_id}": { actions: "read" },
  "POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun": { actions: "write" },
  "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs": { actions: "write" },
  "GET /installation/repositories": {},
  "GET /app/hook/deliveries": "app",
  "POST /app/hook/deliveries/{delivery_id}/attempts": "app",
  "GET /orgs/{org}/installation": "app",
  "GET /repos/{owner}/{repo}/installation": "app",
};
