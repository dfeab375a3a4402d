/**
 * The endpoints an installation calls with its token: the repositories it can
 * see, JIT runner registration, runner listing and removal (repository and
 * organisation scope), workflow jobs and runs, and job re-runs. A token that
 * does not cover the repository or organisation gets 404, as GitHub hides what
 * it cannot see; one that covers it without the permission the endpoint needs
 * gets 403 "Resource not accessible by integration" (GitHub's docs list the
 * permission of each endpoint: repository runners need `administration`,
 * organisation runners `organization_self_hosted_runners`, jobs and runs
 * `actions`, re-runs `actions: write`).
 *
 * @module
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { fullRepositoryOf } from "./accounts.ts";
import { AuthRejection, credentialOf, type InstallationGrant } from "./app_auth.ts";
import { githubError, listResponse, notFound, paginate, param, same } from "./rest.ts";
import { JitConfigRequest, type RunnerScope } from "./runners.ts";
import { allows, type GithubState, PERMISSIONS } from "./state.ts";
import type { RerunRefusal } from "./workflows.ts";

/** GitHub's answer to a token whose installation lacks a permission, or an org policy refusal. */
export const NOT_ACCESSIBLE = "Resource not accessible by integration";

/** The installation-authenticated routes over `state`. */
export function actionsRoutes(state: GithubState): Hono {
  const app = new Hono();
  const installationById = (id: number) => state.installations.find((i) => i.id === id);

  /** The grant of any valid installation token, or the refusal to send. */
  const requireToken = (c: Context): InstallationGrant | Response => {
    const credential = credentialOf(c.req.header("authorization"));
    if (credential.kind === "none") return githubError(401, "Requires authentication");
    if (credential.kind === "jwt") {
      return githubError(403, "Resource not accessible by integration (use an installation token)");
    }
    try {
      return state.tokens.verify(credential.token);
    } catch (error) {
      if (error instanceof AuthRejection) return githubError(401, error.message);
      throw error;
    }
  };

  /** The grant of an installation token covering `scope`, or the refusal to send. */
  const requireInstallation = (c: Context, scope: RunnerScope): InstallationGrant | Response => {
    const grant = requireToken(c);
    if (grant instanceof Response) return grant;
    const installation = installationById(grant.installationId);
    const isCovered = installation !== undefined && same(installation.account, scope.owner) &&
      (scope.repo === null
        // A user account is no organisation: its org endpoints do not exist.
        ? installation.accountType !== "User"
        : ((installation.repos ?? [scope.repo]).some((repo) => same(repo, scope.repo as string)) &&
          (grant.repositories ?? [scope.repo]).some((repo) => same(repo, scope.repo as string))));
    return isCovered ? grant : notFound();
  };

  /** As {@link requireInstallation}, and the token holds `permission` at `level`. */
  const requirePermission = (
    c: Context,
    scope: RunnerScope,
    permission: string,
    level: "read" | "write",
  ): InstallationGrant | Response => {
    const grant = requireInstallation(c, scope);
    if (grant instanceof Response) return grant;
    const installation = installationById(grant.installationId);
    const isGranted = allows(grant.permissions, permission, level) &&
      allows(installation?.permissions ?? PERMISSIONS, permission, level);
    return isGranted ? grant : githubError(403, NOT_ACCESSIBLE);
  };
  const runnerPermission = (scope: RunnerScope) =>
    scope.repo === null ? "organization_self_hosted_runners" : "administration";

  // The installation's repositories: the selected ones, or (all) every one of its account the
  // fake knows of, which is every one with a seeded job; a token for some repos sees those only.
  app.get("/installation/repositories", (c) => {
    const grant = requireToken(c);
    if (grant instanceof Response) return grant;
    const installation = installationById(grant.installationId);
    if (installation === undefined) return notFound();
    const names = installation.repos?.map((repo) => `${installation.account}/${repo}`) ??
      state.workflows.repos().filter((repo) => same(repo.split("/")[0], installation.account));
    const visible = names.filter((name) =>
      grant.repositories === undefined ||
      grant.repositories.some((repo) => same(repo, name.split("/")[1]))
    );
    const { items, link } = paginate(c, visible);
    if (link !== undefined) c.header("link", link);
    return c.json({
      total_count: visible.length,
      repositories: items.map((name) => fullRepositoryOf(name, { apiUrl: state.apiUrl() })),
      repository_selection: installation.repos === undefined && grant.repositories === undefined
        ? "all"
        : "selected",
    });
  });

  // Runner endpoints exist at repository and organisation scope with the same shape.
  const scopes: [string, (c: Context) => RunnerScope][] = [
    ["/repos/:owner/:repo", (c) => ({ owner: param(c, "owner"), repo: param(c, "repo") })],
    ["/orgs/:org", (c) => ({ owner: param(c, "org"), repo: null })],
  ];
  for (const [prefix, scopeOf] of scopes) {
    app.post(`${prefix}/actions/runners/generate-jitconfig`, async (c) => {
      const scope = scopeOf(c);
      const grant = requirePermission(c, scope, runnerPermission(scope), "write");
      if (grant instanceof Response) return grant;
      const blocked = installationById(grant.installationId)?.reposWithoutSelfHostedRunners ?? [];
      if (scope.repo !== null && blocked.some((repo) => same(repo, scope.repo as string))) {
        return githubError(403, NOT_ACCESSIBLE);
      }
      const body: unknown = await c.req.json().catch(() => undefined);
      const parsed = JitConfigRequest.safeParse(body);
      if (!parsed.success) {
        return githubError(
          422,
          "Invalid request.",
          parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`),
        );
      }
      const registered = state.runners.register(scope, parsed.data);
      if (registered === null) {
        return githubError(
          409,
          `Already exists - A runner with the name ${parsed.data.name} already exists.`,
        );
      }
      return c.json(
        { runner: registered.runner, encoded_jit_config: registered.encodedJitConfig },
        201,
      );
    });

    app.get(`${prefix}/actions/runners`, (c) => {
      const scope = scopeOf(c);
      const grant = requirePermission(c, scope, runnerPermission(scope), "read");
      if (grant instanceof Response) return grant;
      return listResponse(c, "runners", state.runners.list(scope, c.req.query("name")));
    });

    app.get(`${prefix}/actions/runners/:runner_id`, (c) => {
      const scope = scopeOf(c);
      const grant = requirePermission(c, scope, runnerPermission(scope), "read");
      if (grant instanceof Response) return grant;
      const runner = state.runners.get(scope, Number(c.req.param("runner_id")));
      return runner ? c.json(runner) : notFound();
    });

    app.delete(`${prefix}/actions/runners/:runner_id`, (c) => {
      const scope = scopeOf(c);
      const grant = requirePermission(c, scope, runnerPermission(scope), "write");
      if (grant instanceof Response) return grant;
      const outcome = state.runners.remove(scope, Number(c.req.param("runner_id")));
      if (outcome === "not_found") return notFound();
      if (outcome === "busy") {
        return githubError(422, "Bad request - Runner is still running a job");
      }
      return c.body(null, 204);
    });
  }

  const repoScope = (c: Context): RunnerScope => ({
    owner: param(c, "owner"),
    repo: param(c, "repo"),
  });
  const repoName = (c: Context) => `${param(c, "owner")}/${param(c, "repo")}`;

  app.get("/repos/:owner/:repo/actions/jobs/:job_id", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "read");
    if (grant instanceof Response) return grant;
    const job = state.workflows.job(repoName(c), Number(c.req.param("job_id")));
    return job ? c.json(job) : notFound();
  });

  // GitHub re-runs a job only once its run has completed, and never one job of a
  // reusable workflow on its own (the run's failed jobs are re-run instead).
  app.post("/repos/:owner/:repo/actions/jobs/:job_id/rerun", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "write");
    if (grant instanceof Response) return grant;
    const id = Number(c.req.param("job_id"));
    if (state.workflows.job(repoName(c), id) === undefined) return notFound();
    const outcome = state.workflows.rerunJob(id);
    if (typeof outcome === "string") return githubError(403, RERUN_REFUSALS[outcome]);
    return c.json({}, 201);
  });

  app.post("/repos/:owner/:repo/actions/runs/:run_id/rerun-failed-jobs", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "write");
    if (grant instanceof Response) return grant;
    const outcome = state.workflows.rerunFailedJobs(repoName(c), Number(c.req.param("run_id")));
    if (outcome === "not_found") return notFound();
    if (typeof outcome === "string") return githubError(403, RERUN_REFUSALS[outcome]);
    return c.json({}, 201);
  });

  app.get("/repos/:owner/:repo/actions/runs", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "read");
    if (grant instanceof Response) return grant;
    const status = c.req.query("status");
    const branch = c.req.query("branch");
    const runs = state.workflows.runs(repoName(c)).filter((run) =>
      (status === undefined || run.status === status || run.conclusion === status) &&
      (branch === undefined || run.head_branch === branch)
    );
    return listResponse(c, "workflow_runs", runs);
  });

  app.get("/repos/:owner/:repo/actions/runs/:run_id", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "read");
    if (grant instanceof Response) return grant;
    const run = state.workflows.run(repoName(c), Number(c.req.param("run_id")));
    return run ? c.json(run) : notFound();
  });

  app.get("/repos/:owner/:repo/actions/runs/:run_id/jobs", (c) => {
    const grant = requirePermission(c, repoScope(c), "actions", "read");
    if (grant instanceof Response) return grant;
    const filter = c.req.query("filter") === "all" ? "all" : "latest";
    const jobs = state.workflows.jobsOfRun(repoName(c), Number(c.req.param("run_id")), filter);
    if (jobs.length === 0) return notFound();
    return listResponse(c, "jobs", jobs);
  });

  return app;
}

/** GitHub's words for each re-run it refuses. */
const RERUN_REFUSALS: Record<RerunRefusal, string> = {
  in_progress: "This workflow run is not complete. You cannot re-run it until it has completed.",
  reusable: "Unable to re-run a single job of a reusable workflow; re-run the run's failed jobs.",
  not_latest: "This job is not rerunnable: it is not the latest attempt of its run.",
  not_completed: "This job is not rerunnable: it has not completed.",
  no_failed_jobs: "This workflow run has no failed jobs to re-run.",
};
