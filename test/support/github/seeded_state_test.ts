import assert from "node:assert/strict";
import { jitBody, statusOf, withFake } from "./fake_test_kit.ts";

Deno.test("seeded jobs appear in queued runs, and a completed job can be re-run", async () => {
  await withFake({}, async (fake, app) => {
    const queued = fake.addJob({ repo: "acme/web", labels: ["self-hosted", "linux"] });
    const done = fake.addJob({ repo: "acme/web", status: "completed", conclusion: "failure" });
    fake.addJob({ repo: "acme/api" });
    const octokit = await app.getInstallationOctokit(1001);

    const { data: job } = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
      owner: "acme",
      repo: "web",
      job_id: queued.id,
    });
    assert.deepEqual(job.labels, ["self-hosted", "linux"]);
    assert.equal(
      await statusOf(octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
        owner: "acme",
        repo: "api",
        job_id: queued.id,
      })),
      404,
    );

    const { data: runs } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs", {
      owner: "acme",
      repo: "web",
      status: "queued",
    });
    assert.deepEqual(runs.workflow_runs.map((run) => run.id), [queued.run_id]);
    const { data: jobs } = await octokit.request(
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      {
        owner: "acme",
        repo: "web",
        run_id: queued.run_id,
      },
    );
    assert.deepEqual(jobs.jobs.map((j) => j.id), [queued.id]);

    const rerun = await octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
      owner: "acme",
      repo: "web",
      job_id: done.id,
    });
    assert.equal(rerun.status, 201);
    assert.equal(fake.jobs.get(done.id)?.status, "completed", "the first try stays as it was");
    const retry = [...fake.jobs.values()].find((j) => j.run_id === done.run_id && j.id !== done.id);
    assert.equal(retry?.status, "queued", "the re-run is a new job of the same run");
    assert.equal(retry?.run_attempt, 2);
    assert.equal(retry?.name, done.name);
    assert.equal(
      await statusOf(octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
        owner: "acme",
        repo: "web",
        job_id: queued.id,
      })),
      403,
    );
  });
});

Deno.test("a busy runner cannot be removed; an idle one can, at repo and org scope", async () => {
  await withFake({}, async (fake, app) => {
    const octokit = await app.getInstallationOctokit(1001);
    const { data } = await octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
      org: "acme",
      ...jitBody("org-runner"),
    });
    fake.updateRunner(data.runner.id, { status: "online", busy: true });
    const remove = () =>
      octokit.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
        org: "acme",
        runner_id: data.runner.id,
      });
    assert.equal(await statusOf(remove()), 422);
    fake.updateRunner(data.runner.id, { busy: false });
    assert.equal((await remove()).status, 204);
    assert.equal(await statusOf(remove()), 404);
    assert.deepEqual(fake.runners(), []);
  });
});

Deno.test("a failed webhook delivery is listed and redelivered", async () => {
  await withFake({}, async (fake, app) => {
    const failed = fake.addDelivery({ status_code: 502, status: "Invalid HTTP Response: 502" });
    const { data: deliveries } = await app.octokit.request("GET /app/hook/deliveries", {
      per_page: 50,
    });
    assert.deepEqual(deliveries.map((delivery) => delivery.id), [failed.id]);
    const attempt = await app.octokit.request(
      "POST /app/hook/deliveries/{delivery_id}/attempts",
      { delivery_id: failed.id },
    );
    assert.equal(attempt.status, 202);
    const [redelivery] = fake.deliveries();
    assert.equal(redelivery.redelivery, true);
    assert.equal(redelivery.guid, failed.guid);
  });
});

Deno.test("the control endpoints seed jobs and expose calls over HTTP", async () => {
  await withFake({}, async (fake, app) => {
    const seeded = await fetch(`${fake.url}/_github/jobs`, {
      method: "POST",
      body: JSON.stringify({ repo: "acme/web", name: "test", labels: ["self-hosted", "gpu"] }),
    });
    assert.equal(seeded.status, 201);
    const job = await seeded.json();
    const octokit = await app.getInstallationOctokit(1001);
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
      owner: "acme",
      repo: "web",
      job_id: job.id,
    });
    assert.equal(data.name, "test");

    const calls = await (await fetch(`${fake.url}/_github/calls`)).json();
    assert.deepEqual(calls.map((call: { path: string }) => call.path), [
      "/app/installations/1001/access_tokens",
      `/repos/acme/web/actions/jobs/${job.id}`,
    ]);
    const runners = await (await fetch(`${fake.url}/_github/runners`)).json();
    assert.deepEqual(runners, []);
  });
});
