/**
 * The fake's org side, as an org-scoped Gantry project uses it: JIT runners
 * registered with the org in a runner group, found by name and deleted at the
 * org level, and the repositories an installation can see.
 */
import assert from "node:assert/strict";
import { jitBody, statusOf, withFake } from "./fake_test_kit.ts";
import { loadGithubOpenApi, validateResponse } from "./openapi.ts";
import { decodeJitConfig } from "./runners.ts";

Deno.test("an org JIT runner lands in its runner group, is listed by name and deleted at the org level only", async () => {
  await withFake({ installations: [{ id: 7, account: "acme" }] }, async (fake, app) => {
    const octokit = await app.getInstallationOctokit(7);
    const { status, data } = await octokit.request(
      "POST /orgs/{org}/actions/runners/generate-jitconfig",
      { org: "acme", ...jitBody("gantry-42-1"), runner_group_id: 3 },
    );
    assert.equal(status, 201);
    assert.equal(data.runner.runner_group_id, 3);
    const config = decodeJitConfig(data.encoded_jit_config);
    assert.equal(config.runner.GitHubUrl, "https://github.com/acme", "an org runner, not a repo's");
    assert.equal(config.runner.PoolId, 3);
    assert.deepEqual(fake.runners().map((r) => [r.scope, r.runner.name]), [
      [{ owner: "acme", repo: null }, "gantry-42-1"],
    ]);

    const repoList = await octokit.request("GET /repos/{owner}/{repo}/actions/runners", {
      owner: "acme",
      repo: "web",
      name: "gantry-42-1",
    });
    assert.equal(repoList.data.total_count, 0, "an org runner is not a repo's runner");
    assert.equal(
      await statusOf(octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
        owner: "acme",
        repo: "web",
        runner_id: data.runner.id,
      })),
      404,
    );

    const orgList = await octokit.request("GET /orgs/{org}/actions/runners", {
      org: "acme",
      name: "gantry-42-1",
    });
    assert.deepEqual(orgList.data.runners.map((r) => r.id), [data.runner.id]);
    const deleted = await octokit.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
      org: "acme",
      runner_id: data.runner.id,
    });
    assert.equal(deleted.status, 204);
    assert.deepEqual(fake.runners(), []);
  });
});

Deno.test("an installation token cannot register runners with another org", async () => {
  await withFake({
    installations: [{ id: 7, account: "acme" }, { id: 8, account: "beta" }],
  }, async (fake, app) => {
    const acme = await app.getInstallationOctokit(7);
    assert.equal(
      await statusOf(acme.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
        org: "beta",
        ...jitBody("stray"),
      })),
      404,
    );
    assert.deepEqual(fake.runners(), []);
  });
});

Deno.test("GET /installation/repositories lists what the installation sees, paginated, in GitHub's shape", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({
    installations: [{ id: 7, account: "acme" }, {
      id: 8,
      account: "beta",
      repos: ["site", "docs"],
    }],
  }, async (fake, app) => {
    for (const repo of ["acme/web", "acme/api", "Acme/web", "acme/cli", "beta/site", "other/x"]) {
      fake.addJob({ repo });
    }
    const acme = await app.getInstallationOctokit(7);
    const first = await acme.request("GET /installation/repositories", { per_page: 2 });
    assert.equal(first.data.total_count, 3);
    assert.equal(first.data.repository_selection, "all");
    assert.match(String(first.headers.link), /rel="next"/);
    const second = await acme.request("GET /installation/repositories", { per_page: 2, page: 2 });
    const all = [...first.data.repositories, ...second.data.repositories];
    assert.deepEqual(all.map((r) => r.full_name), ["acme/web", "acme/api", "acme/cli"]);
    assert.equal(all[0].owner.login, "acme");

    const beta = await app.getInstallationOctokit(8);
    const selected = await beta.request("GET /installation/repositories");
    assert.deepEqual(selected.data.repositories.map((r) => r.full_name), [
      "beta/site",
      "beta/docs",
    ]);
    assert.equal(selected.data.repository_selection, "selected");

    // A token cut down to some repositories sees only those.
    const { data: token } = await app.octokit.request(
      "POST /app/installations/{installation_id}/access_tokens",
      { installation_id: 8, repositories: ["docs"] },
    );
    const narrow = await fetch(`${fake.url}/installation/repositories`, {
      headers: { authorization: `token ${token.token}` },
    });
    assert.deepEqual((await narrow.json()).repositories.map((r: { name: string }) => r.name), [
      "docs",
    ]);
    assert.equal(
      (await fetch(`${fake.url}/installation/repositories`)).status,
      401,
      "no token, no list",
    );

    const listings = fake.calls.filter((call) => call.path === "/installation/repositories");
    assert.equal(listings.length, 5);
    for (const call of listings) {
      assert.deepEqual(
        validateResponse(openapi, {
          method: call.method,
          path: call.path,
          status: call.status,
          body: call.response,
        }),
        [],
        `${call.method} ${call.path} ${call.status}`,
      );
    }
  });
});

Deno.test("a user account has no org endpoints: 404, while its repos take runners", async () => {
  await withFake({
    installations: [{ id: 9, account: "octocat", accountType: "User" }],
  }, async (fake, app) => {
    const { data: installation } = await app.octokit.request(
      "GET /repos/{owner}/{repo}/installation",
      { owner: "octocat", repo: "hello" },
    );
    assert.equal((installation.account as { type?: string }).type, "User");
    assert.equal(
      await statusOf(app.octokit.request("GET /orgs/{org}/installation", { org: "octocat" })),
      404,
    );
    const octokit = await app.getInstallationOctokit(9);
    assert.equal(
      await statusOf(octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
        org: "octocat",
        ...jitBody("r"),
      })),
      404,
    );
    await octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
      owner: "octocat",
      repo: "hello",
      ...jitBody("r"),
    });
    assert.deepEqual(fake.runners().map((r) => r.scope), [{ owner: "octocat", repo: "hello" }]);
  });
});
