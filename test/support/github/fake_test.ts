import assert from "node:assert/strict";
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { generateAppKeys } from "./app_auth.ts";
import { jitBody, statusOf, withFake } from "./fake_test_kit.ts";
import { loadGithubOpenApi, validateResponse } from "./openapi.ts";
import { decodeJitConfig } from "./runners.ts";

Deno.test("an installation Octokit registers a JIT runner whose response matches GitHub's OpenAPI", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({ installations: [{ id: 7, account: "acme" }] }, async (fake, app) => {
    const octokit = await app.getInstallationOctokit(7);
    const { status, data } = await octokit.request(
      "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig",
      { owner: "acme", repo: "web", ...jitBody("gantry-i-0abc") },
    );
    assert.equal(status, 201);
    assert.equal(data.runner.name, "gantry-i-0abc");
    assert.equal(data.runner.status, "offline");
    assert.equal(data.runner.busy, false);
    assert.deepEqual(data.runner.labels.map((label) => [label.name, label.type]), [
      ["self-hosted", "read-only"],
      ["linux", "custom"],
      ["gantry-pool-default", "custom"],
    ]);
    const config = decodeJitConfig(data.encoded_jit_config);
    assert.equal(config.runner.AgentName, "gantry-i-0abc");
    assert.equal(config.runner.GitHubUrl, "https://github.com/acme/web");

    assert.deepEqual(
      validateResponse(openapi, {
        method: "POST",
        path: "/repos/acme/web/actions/runners/generate-jitconfig",
        status,
        body: data,
      }),
      [],
    );
    assert.deepEqual(fake.calls.map((call) => `${call.method} ${call.path} ${call.status}`), [
      "POST /app/installations/7/access_tokens 201",
      "POST /repos/acme/web/actions/runners/generate-jitconfig 201",
    ]);
    assert.deepEqual(fake.calls[1].body, jitBody("gantry-i-0abc"));
    assert.deepEqual(fake.runners().map((r) => [r.scope, r.runner.name]), [
      [{ owner: "acme", repo: "web" }, "gantry-i-0abc"],
    ]);
  });
});

Deno.test("a second JIT config with a taken name is refused with 409; other scopes are separate", async () => {
  await withFake({}, async (_fake, app) => {
    const octokit = await app.getInstallationOctokit(1001);
    const register = (repo: string) =>
      octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
        owner: "acme",
        repo,
        ...jitBody("runner-1"),
      });
    await register("web");
    assert.equal(await statusOf(register("web")), 409);
    assert.equal((await register("api")).status, 201);
    const org = await octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
      org: "acme",
      ...jitBody("runner-1"),
    });
    assert.equal(org.status, 201);
  });
});

Deno.test("a JIT config body without labels is refused with 422", async () => {
  await withFake({}, async (_fake, app) => {
    const octokit = await app.getInstallationOctokit(1001);
    const status = await statusOf(
      octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
        owner: "acme",
        repo: "web",
        name: "r",
        runner_group_id: 1,
        labels: [],
      }),
    );
    assert.equal(status, 422);
  });
});

Deno.test("a JWT signed with another key is refused with 401", async () => {
  await withFake({}, async (fake, app) => {
    const { data } = await app.octokit.request("GET /app");
    assert.equal(data?.id, fake.appId);

    const impostor = new App({
      appId: fake.appId,
      privateKey: (await generateAppKeys()).privateKeyPem,
      Octokit: Octokit.defaults({ baseUrl: fake.url }),
    });
    assert.equal(await statusOf(impostor.octokit.request("GET /app")), 401);
    const impostorInstallation = await impostor.getInstallationOctokit(1001);
    assert.equal(
      await statusOf(
        impostorInstallation.request("GET /orgs/{org}/actions/runners", { org: "acme" }),
      ),
      401,
    );
    const wrongApp = new App({
      appId: fake.appId + 1,
      privateKey: fake.privateKeyPem,
      Octokit: Octokit.defaults({ baseUrl: fake.url }),
    });
    assert.equal(await statusOf(wrongApp.octokit.request("GET /app")), 401);
    assert.deepEqual(fake.calls.map((call) => (call.response as { message?: string }).message), [
      undefined,
      "A JSON web token could not be decoded",
      "A JSON web token could not be decoded",
      "Integration not found",
    ]);
  });
});

Deno.test("repository endpoints need an installation token that covers the repository", async () => {
  await withFake({
    installations: [{ id: 1, account: "acme", repos: ["web"] }, { id: 2, account: "other" }],
  }, async (fake, app) => {
    const unauthenticated = await fetch(`${fake.url}/repos/acme/web/actions/runners`);
    assert.equal(unauthenticated.status, 401);
    await unauthenticated.body?.cancel();

    const acme = await app.getInstallationOctokit(1);
    const list = (owner: string, repo: string) =>
      acme.request("GET /repos/{owner}/{repo}/actions/runners", { owner, repo });
    assert.equal((await list("acme", "web")).data.total_count, 0);
    assert.equal(await statusOf(list("acme", "secret")), 404);
    assert.equal(await statusOf(list("other", "web")), 404);

    const { data: installation } = await app.octokit.request(
      "GET /repos/{owner}/{repo}/installation",
      {
        owner: "other",
        repo: "anything",
      },
    );
    assert.equal(installation.id, 2);
    assert.equal(
      await statusOf(app.octokit.request("GET /orgs/{org}/installation", { org: "nobody" })),
      404,
    );

    const token = fake.calls.find((call) => call.path === "/app/installations/1/access_tokens")
      ?.response as { token: string };
    fake.expireTokens();
    const expired = await fetch(`${fake.url}/repos/acme/web/actions/runners`, {
      headers: { authorization: `token ${token.token}` },
    });
    assert.equal(expired.status, 401);
    assert.equal((await expired.json()).message, "Bad credentials");
  });
});

Deno.test("every endpoint's responses validate against GitHub's OpenAPI description", async () => {
  const openapi = await loadGithubOpenApi();
  await withFake({
    installations: [{ id: 1001, account: "acme" }, { id: 1002, account: "beta", repos: ["site"] }],
  }, async (fake, app) => {
    const job = fake.addJob({ repo: "acme/web", runner_name: null });
    // A re-run needs a completed run: these two are alone in theirs.
    const failed = fake.addJob({ repo: "acme/web", status: "completed", conclusion: "failure" });
    const finished = fake.addJob({
      repo: "acme/web",
      status: "completed",
      conclusion: "success",
      completed_at: "2024-01-01T00:10:00Z",
      steps: [{ name: "Set up job", status: "completed", conclusion: "success", number: 1 }],
    });
    const delivery = fake.addDelivery();
    const octokit = await app.getInstallationOctokit(1001);
    const repo = { owner: "acme", repo: "web" };

    await app.octokit.request("GET /app");
    await app.octokit.request("GET /app/installations");
    await app.octokit.request("GET /app/installations/{installation_id}", {
      installation_id: 1002,
    });
    await app.octokit.request("GET /repos/{owner}/{repo}/installation", repo);
    await app.octokit.request("GET /orgs/{org}/installation", { org: "beta" });
    await app.octokit.request("GET /app/hook/deliveries");
    await app.octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
      delivery_id: delivery.id,
    });
    const { data: jit } = await octokit.request(
      "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig",
      { ...repo, ...jitBody("r-1") },
    );
    const { data: orgJit } = await octokit.request(
      "POST /orgs/{org}/actions/runners/generate-jitconfig",
      {
        org: "acme",
        ...jitBody("r-org"),
      },
    );
    await statusOf(
      octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
        ...repo,
        ...jitBody("r-1"),
      }),
    );
    await statusOf(
      octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
        ...repo,
        name: "x",
        runner_group_id: 1,
        labels: [],
      }),
    );
    await octokit.request("GET /repos/{owner}/{repo}/actions/runners", { ...repo, per_page: 1 });
    await octokit.request("GET /orgs/{org}/actions/runners", { org: "acme" });
    await octokit.request("GET /repos/{owner}/{repo}/actions/runners/{runner_id}", {
      ...repo,
      runner_id: jit.runner.id,
    });
    await octokit.request("GET /orgs/{org}/actions/runners/{runner_id}", {
      org: "acme",
      runner_id: orgJit.runner.id,
    });
    await octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
      ...repo,
      runner_id: jit.runner.id,
    });
    await octokit.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
      org: "acme",
      runner_id: orgJit.runner.id,
    });
    await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
      ...repo,
      job_id: job.id,
    });
    await octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
      ...repo,
      status: "in_progress",
    });
    await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
      ...repo,
      run_id: job.run_id,
    });
    await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
      ...repo,
      run_id: job.run_id,
    });
    await octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
      ...repo,
      job_id: finished.id,
    });
    await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs", {
      ...repo,
      run_id: failed.run_id,
    });

    const operations = new Set<string>();
    for (const call of fake.calls) {
      const errors = validateResponse(openapi, {
        method: call.method,
        path: call.path,
        status: call.status,
        body: call.response,
      });
      assert.deepEqual(errors, [], `${call.method} ${call.path} ${call.status}`);
      operations.add(`${call.method} ${call.path.replace(/\d+/g, "N")} ${call.status}`);
    }
    assert.ok(operations.size >= 22, [...operations].join("\n"));
  });
});

Deno.test("main.ts writes the app key and serves until SIGTERM", async () => {
  const keyPath = await Deno.makeTempFile({ suffix: ".pem" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./main.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--key-out",
      keyPath,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    while (!output.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
    }
    const url = /GitHub API fake listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url, `unexpected output: ${output}`);
    const app = new App({
      appId: 424242,
      privateKey: await Deno.readTextFile(keyPath),
      Octokit: Octokit.defaults({ baseUrl: url }),
    });
    const { data } = await app.octokit.request("GET /app");
    assert.equal(data?.id, 424242);
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await reader.cancel();
  } finally {
    await Deno.remove(keyPath);
  }
});
