/**
 * The GitHub rules the fake keeps, each checked against GitHub's OpenAPI
 * description where that documents the status (and against GitHub's error
 * schema, `basic-error`, where it does not), and named after the GitHub page
 * it follows.
 */
import assert from "node:assert/strict";
import type { App } from "@octokit/app";
import { NOT_ACCESSIBLE } from "./actions_routes.ts";
import { labelsFit } from "./assignment.ts";
import { jitBody, withFake } from "./fake_test_kit.ts";
import { loadGithubOpenApi, validateResponse, validateSchema } from "./openapi.ts";

/** The status, body and headers of a refused Octokit request. */
async function refusalOf(
  request: Promise<unknown>,
): Promise<{ status: number; message: string; headers: Record<string, string> }> {
  try {
    await request;
  } catch (error) {
    const { status, response } = error as {
      status: number;
      response: { data: { message: string }; headers: Record<string, string> };
    };
    return { status, message: response.data.message, headers: response.headers };
  }
  throw new Error("expected the request to fail");
}

const registerIn = async (
  app: App,
  installationId: number,
  scope: "org" | "repo",
  repo = "web",
) => {
  const octokit = await app.getInstallationOctokit(installationId);
  return scope === "org"
    ? octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
      org: "acme",
      ...jitBody("r-org"),
    })
    : octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
      owner: "acme",
      repo,
      ...jitBody(`r-${repo}`),
    });
};

Deno.test("an installation without the org runner permission gets 403 Resource not accessible by integration (GitHub: permissions required for GitHub Apps)", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({
    installations: [{
      id: 1001,
      account: "acme",
      permissions: { actions: "write", administration: "write", metadata: "read" },
    }],
  }, async (fake, app) => {
    const refused = await refusalOf(registerIn(app, 1001, "org"));
    assert.equal(refused.status, 403);
    assert.equal(refused.message, NOT_ACCESSIBLE);
    // The description lists no 403 for generate-jitconfig; the body is GitHub's basic error.
    assert.deepEqual(
      validateSchema(
        openapi,
        { $ref: "#/components/schemas/basic-error" },
        fake.calls.at(-1)!.response,
      ),
      [],
    );
    assert.equal((await registerIn(app, 1001, "repo")).status, 201);
    // A read-only Actions permission may list jobs but not re-run one.
    const octokit = await app.getInstallationOctokit(1001);
    const job = fake.addJob({ repo: "acme/web", status: "completed", conclusion: "failure" });
    assert.equal(
      (await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
        owner: "acme",
        repo: "web",
        job_id: job.id,
      })).status,
      200,
    );
  });
  await withFake({
    installations: [{ id: 1001, account: "acme", permissions: { actions: "read" } }],
  }, async (fake, app) => {
    const job = fake.addJob({ repo: "acme/web", status: "completed", conclusion: "failure" });
    const octokit = await app.getInstallationOctokit(1001);
    const refused = await refusalOf(
      octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
        owner: "acme",
        repo: "web",
        job_id: job.id,
      }),
    );
    assert.deepEqual([refused.status, refused.message], [403, NOT_ACCESSIBLE]);
    const call = fake.calls.at(-1)!;
    assert.deepEqual(validateResponse(openapi, { ...call, body: call.response }), []);
    // A token cannot ask for more than its installation was granted.
    const wider = await refusalOf(
      app.octokit.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: 1001,
        permissions: { actions: "write" },
      }),
    );
    assert.equal(wider.status, 422);
  });
});

Deno.test("an org policy that disables self-hosted runners for a repository refuses its registration with 403", async () => {
  await withFake({
    installations: [{ id: 1001, account: "acme", reposWithoutSelfHostedRunners: ["Web"] }],
  }, async (fake, app) => {
    const refused = await refusalOf(registerIn(app, 1001, "repo", "web"));
    assert.deepEqual([refused.status, refused.message], [403, NOT_ACCESSIBLE]);
    assert.equal((await registerIn(app, 1001, "repo", "api")).status, 201);
    assert.deepEqual(fake.runners().map((r) => r.runner.name), ["r-api"]);
  });
});

Deno.test("a job re-run is refused (403) while its run is in progress and always for a reusable workflow's job; the run's failed jobs re-run instead (GitHub: re-running workflows and jobs)", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({}, async (fake, app) => {
    const octokit = await app.getInstallationOctokit(1001);
    const repo = { owner: "acme", repo: "web" };
    const rerun = (jobId: number) =>
      octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
        ...repo,
        job_id: jobId,
      });
    const failed = fake.addJob({
      repo: "acme/web",
      name: "test (1)",
      status: "completed",
      conclusion: "failure",
    });
    const sibling = fake.addJob({
      repo: "acme/web",
      run_id: failed.run_id,
      name: "test (2)",
      status: "in_progress",
    });
    const early = await refusalOf(rerun(failed.id));
    assert.equal(early.status, 403);
    assert.match(early.message, /not complete/);
    const call = fake.calls.at(-1)!;
    assert.deepEqual(validateResponse(openapi, { ...call, body: call.response }), []);

    fake.updateJob(sibling.id, { status: "completed", conclusion: "success" });
    assert.equal((await rerun(failed.id)).status, 201);
    const retry = [...fake.jobs.values()].find((job) =>
      job.run_id === failed.run_id && job.name === "test (1)" && job.run_attempt === 2
    );
    assert.equal(retry?.status, "queued");

    const reusable = fake.addJob({
      repo: "acme/web",
      name: "call-tests / test",
      status: "completed",
      conclusion: "failure",
      isReusable: true,
    });
    const refused = await refusalOf(rerun(reusable.id));
    assert.equal(refused.status, 403);
    assert.match(refused.message, /reusable workflow/);
    const { data: run } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
      ...repo,
      run_id: reusable.run_id,
    });
    assert.equal(run.referenced_workflows?.length, 1);
    const whole = await octokit.request(
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
      { ...repo, run_id: reusable.run_id },
    );
    assert.equal(whole.status, 201);
    const { data: jobs } = await octokit.request(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      { ...repo, run_id: reusable.run_id },
    );
    assert.deepEqual(jobs.jobs.map((job) => [job.name, job.run_attempt, job.status]), [
      ["call-tests / test", 2, "queued"],
    ]);
    // A run in progress cannot have its failed jobs re-run either.
    const again = await refusalOf(
      octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", {
        ...repo,
        run_id: reusable.run_id,
      }),
    );
    assert.equal(again.status, 403);
  });
});

Deno.test("the secondary rate limit: 5 points a write, 1 a read, per endpoint and minute, then 403 with retry-after (GitHub: rate limits for the REST API)", async () => {
  let now = 1_000_000;
  await withFake({ secondaryPointsPerMinute: 10, now: () => now }, async (fake, app) => {
    // The token call itself is an endpoint of its own (5 points).
    const octokit = await app.getInstallationOctokit(1001);
    const register = (name: string) =>
      octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
        owner: "acme",
        repo: "web",
        ...jitBody(name),
      });
    assert.equal((await register("a")).status, 201);
    now += 20_000;
    assert.equal((await register("b")).status, 201);
    now += 5_000;
    const refused = await refusalOf(register("c"));
    assert.equal(refused.status, 403);
    assert.match(refused.message, /secondary rate limit/);
    assert.equal(refused.headers["retry-after"], "35");
    // Reads of another endpoint still answer.
    const list = await octokit.request("GET /repos/{owner}/{repo}/actions/runners", {
      owner: "acme",
      repo: "web",
    });
    assert.equal(list.data.total_count, 2);
    now += 35_000;
    assert.equal((await register("c")).status, 201);
    assert.deepEqual(fake.calls.map((call) => call.status), [201, 201, 201, 403, 200, 201]);
  });
});

Deno.test("409 on a runner name taken and 422 on removing a busy runner, as GitHub's description documents", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({}, async (fake, app) => {
    const octokit = await app.getInstallationOctokit(1001);
    const { data } = await registerIn(app, 1001, "repo");
    assert.equal((await refusalOf(registerIn(app, 1001, "repo"))).status, 409);
    fake.updateRunner(data.runner.id, { status: "online", busy: true });
    const busy = await refusalOf(
      octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
        owner: "acme",
        repo: "web",
        runner_id: data.runner.id,
      }),
    );
    assert.equal(busy.status, 422);
    const refusals = fake.calls.filter((call) => call.status >= 400);
    assert.deepEqual(refusals.map((call) => call.status), [409, 422]);
    for (const call of refusals) {
      assert.deepEqual(validateResponse(openapi, { ...call, body: call.response }), []);
    }
  });
});

Deno.test("labels fit when the runner has every label of the job, compared case-insensitively and otherwise exactly", () => {
  const cases: [string[], string[], boolean][] = [
    [["self-hosted", "MyApp"], ["self-hosted", "myapp"], true],
    [["self-hosted", "MyApp"], ["self-hosted", "my-app"], false],
    [["GPU"], ["self-hosted", "gpu", "linux"], true],
    [["team/web"], ["team/web"], true],
    [["team/web"], ["team-web"], false],
    [["Größe"], ["größe"], true],
    [["linux", "arm64"], ["linux"], false],
    [[], ["self-hosted"], true],
  ];
  for (const [job, runner, expected] of cases) {
    assert.equal(labelsFit(job, runner), expected, `${job} on ${runner}`);
  }
});

Deno.test("GitHub assigns a queued job to an online idle runner of its repo or org whose labels contain the job's", async () => {
  await withFake({ assignJobs: true }, async (fake, app) => {
    const job = fake.addJob({ repo: "acme/web", labels: ["self-hosted", "MyApp"] });
    const octokit = await app.getInstallationOctokit(1001);
    const register = async (scope: "repo" | "org", name: string, labels: string[]) => {
      const { data } = scope === "org"
        ? await octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
          org: "acme",
          ...jitBody(name),
          labels,
        })
        : await octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
          owner: "acme",
          repo: "api",
          ...jitBody(name),
          labels,
        });
      return data.runner.id;
    };
    const sanitised = await register("org", "sanitised", ["self-hosted", "my-app"]);
    const otherRepo = await register("repo", "other-repo", ["self-hosted", "myapp"]);
    const offline = await register("org", "offline", ["self-hosted", "myapp"]);
    const busy = await register("org", "busy", ["MYAPP"]);
    fake.updateRunner(sanitised, { status: "online" });
    fake.updateRunner(otherRepo, { status: "online" });
    fake.updateRunner(busy, { status: "online", busy: true });
    assert.equal(fake.jobs.get(job.id)?.status, "queued");
    fake.updateRunner(busy, { busy: false });
    assert.deepEqual(
      [fake.jobs.get(job.id)?.status, fake.jobs.get(job.id)?.runner_name],
      ["in_progress", "busy"],
    );
    assert.equal(fake.runners().find((r) => r.runner.id === offline)?.runner.busy, false);
  });
});
