/** The GitHub App adapter against the GitHub fake over HTTP (real Octokit, real plugins). */
import assert from "node:assert/strict";
import { GitHubApp } from "../../core/github/github_app.ts";
import { type GithubFake, startGithubFake } from "../support/github/fake.ts";

const REPO = "acme/web";

async function withApp(
  run: (fake: GithubFake, github: GitHubApp) => Promise<void>,
): Promise<void> {
  const fake = await startGithubFake({ installations: [{ id: 1001, account: "acme" }] });
  try {
    const github = new GitHubApp({
      appId: fake.appId,
      privateKey: fake.privateKeyPem,
      apiUrl: fake.url,
      writesPerSecond: 100,
    });
    await run(fake, github);
  } finally {
    await fake.close();
  }
}

const tokenCalls = (fake: GithubFake) =>
  fake.calls.filter((c) => c.path.endsWith("/access_tokens")).length;

Deno.test("an installation token is fetched once, reused, and refreshed once when GitHub rejects it", async () => {
  await withApp(async (fake, github) => {
    for (const name of ["r1", "r2", "r3"]) {
      await github.generateJitConfig({
        repoFullName: REPO,
        installationId: 1001,
        runnerName: name,
        labels: ["self-hosted"],
      });
    }
    assert.equal(tokenCalls(fake), 1, "three calls, one token");
    fake.expireTokens();
    const jit = await github.generateJitConfig({
      repoFullName: REPO,
      installationId: null,
      runnerName: "r4",
      labels: ["self-hosted"],
    });
    assert.ok(jit.runnerId > 0);
    assert.equal(tokenCalls(fake), 2, "one fresh token after the rejection");
    assert.equal(
      fake.calls.filter((c) => c.path === `/repos/${REPO}/installation`).length,
      1,
      "the repo's installation is looked up once",
    );
  });
});

Deno.test("org-scoped runners register with the organisation; repo-scoped with the repository", async () => {
  await withApp(async (fake, github) => {
    await github.generateJitConfig({
      repoFullName: REPO,
      installationId: 1001,
      runnerName: "org-runner",
      labels: ["self-hosted", "my-app"],
      scope: "org",
    });
    await github.generateJitConfig({
      repoFullName: REPO,
      installationId: 1001,
      runnerName: "repo-runner",
      labels: ["self-hosted", "my-app"],
    });
    const scopes = Object.fromEntries(fake.runners().map((r) => [r.runner.name, r.scope]));
    assert.deepEqual(scopes["org-runner"], { owner: "acme", repo: null });
    assert.deepEqual(scopes["repo-runner"], { owner: "acme", repo: "web" });
    assert.equal(
      await github.removeRunner({
        repoFullName: REPO,
        installationId: 1001,
        runnerName: "org-runner",
        scope: "org",
      }),
      "removed",
    );
    assert.deepEqual(fake.runners().map((r) => r.runner.name), ["repo-runner"]);
  });
});

Deno.test("a rate-limited call waits for the window (primary) or retry-after (secondary), then succeeds", async () => {
  await withApp(async (fake, github) => {
    await github.jobsOfRun({ repoFullName: REPO, installationId: 1001 }, 1).catch(() => {});
    for (const kind of ["primary", "secondary"] as const) {
      fake.calls.length = 0;
      fake.addJob({ repo: REPO, id: kind === "primary" ? 5001 : 5002 });
      fake.rateLimit({ kind, count: 1, resetInSeconds: 1 });
      const job = await github.job(
        { repoFullName: REPO, installationId: 1001 },
        kind === "primary" ? 5001 : 5002,
      );
      assert.equal(job?.status, "queued", kind);
      const statuses = fake.calls.map((c) => c.status);
      assert.deepEqual(statuses, [403, 200], `${kind}: refused once, then answered`);
      assert.ok(fake.calls[1].at - fake.calls[0].at >= 900, `${kind}: waited for the window`);
    }
    assert.ok((github.rateRemaining() ?? 0) > 0, "remaining calls are tracked from the headers");
  });
});

Deno.test("removing a runner: idle is removed, busy is refused, unknown is not found", async () => {
  await withApp(async (fake, github) => {
    const ref = { repoFullName: REPO, installationId: 1001 };
    const idle = await github.generateJitConfig({
      ...ref,
      runnerName: "idle",
      labels: ["self-hosted"],
    });
    const busy = await github.generateJitConfig({
      ...ref,
      runnerName: "busy",
      labels: ["self-hosted"],
    });
    fake.updateRunner(busy.runnerId, { status: "online", busy: true });
    assert.equal(await github.removeRunner({ ...ref, runnerName: "busy" }), "busy");
    assert.equal(await github.removeRunner({ ...ref, runnerName: "idle" }), "removed");
    assert.equal(await github.removeRunner({ ...ref, runnerName: "idle" }), "not_found");
    assert.deepEqual(fake.runners().map((r) => r.runner.id), [busy.runnerId]);
    assert.ok(idle.runnerId !== busy.runnerId);
  });
});

Deno.test("the delivery log is paged through, newest first, down to `since`", async () => {
  await withApp(async (fake, github) => {
    const old = new Date(Date.now() - 3 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    fake.addDelivery({ delivered_at: old, action: "queued" });
    for (let i = 0; i < 130; i++) fake.addDelivery({ status_code: 200, status: "OK" });
    const deliveries = await github.deliveriesSince(Date.now() - 3600_000);
    assert.equal(deliveries.length, 130, "both pages, not the delivery before `since`");
    const pages = fake.calls.filter((c) => c.path === "/app/hook/deliveries");
    assert.equal(pages.length, 2);
  });
});

Deno.test("queued jobs are found in queued runs and in runs already in progress", async () => {
  await withApp(async (fake, github) => {
    const alone = fake.addJob({ repo: REPO, labels: ["self-hosted", "my-app"] });
    const running = fake.addJob({ repo: REPO, status: "in_progress", name: "lint" });
    const waiting = fake.addJob({ repo: REPO, run_id: running.run_id, name: "test" });
    fake.addJob({ repo: "acme/other" });
    const jobs = await github.queuedJobs({ repoFullName: REPO, installationId: null });
    assert.deepEqual(jobs.map((j) => j.githubJobId).sort(), [alone.id, waiting.id].sort());
    const facts = jobs.find((j) => j.githubJobId === alone.id);
    assert.equal(facts?.repoFullName, REPO);
    assert.equal(facts?.installationId, 1001);
    assert.deepEqual(facts?.labels, ["self-hosted", "my-app"]);
  });
});
