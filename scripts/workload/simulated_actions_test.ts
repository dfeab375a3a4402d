/**
 * GitHub's assignment delay in the simulated Actions (the start bench's
 * model): a matched job and runner are held for the delay, then the job
 * starts and its `in_progress` webhook goes out; a job cancelled meanwhile
 * frees the runner for the next one.
 */
import assert from "node:assert/strict";
import type { App } from "@octokit/app";
import { jitBody, withFake } from "../../test/support/github/fake_test_kit.ts";
import type { GithubFake } from "../../test/support/github/fake.ts";
import { registeredRunnerOf } from "./runner_agent.ts";
import { SimulatedActions } from "./simulated_actions.ts";
import type { RunEvent } from "./day_plan.ts";

const REPO = "acme/web";

/** A run of one job that runs for a minute (longer than any test here). */
const run = (name: string): RunEvent => ({
  kind: "run",
  atMs: 0,
  repo: REPO,
  workflow: "ci",
  branch: "main",
  jobs: [{
    name,
    labels: ["self-hosted", "linux"],
    durationMs: 60_000,
    conclusion: "success",
    cancelAfterMs: null,
    isWebhookDropped: false,
  }],
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An edge that records each webhook's action, job id and runner. */
function recordingEdge() {
  const received: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (r) => {
    const body = await r.json();
    const job = body.workflow_job;
    received.push(`${body.action} ${job.id} ${job.runner_name ?? "-"}`);
    return new Response(null, { status: 202 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, received, close: () => server.shutdown() };
}

async function withActions(
  body: (context: {
    fake: GithubFake;
    actions: SimulatedActions;
    matched: string[];
    started: string[];
    webhooks: string[];
    runner: (name: string) => Promise<ReturnType<typeof registeredRunnerOf>>;
    removeRunner: (id: number) => Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  await withFake({ installations: [{ id: 7, account: "acme" }] }, async (fake, app: App) => {
    const edge = recordingEdge();
    const matched: string[] = [];
    const started: string[] = [];
    const actions = new SimulatedActions({
      github: fake,
      edgeUrl: edge.url,
      webhookSecret: "test-secret",
      installationId: 7,
      log: () => {},
      assignmentDelayMs: (jobId, runnerName) => {
        matched.push(`${jobId} ${runnerName}`);
        return 30;
      },
      onStarted: (jobId, runnerName) => started.push(`${jobId} ${runnerName}`),
    });
    const octokit = await app.getInstallationOctokit(7);
    const runner = async (name: string) => {
      const { data } = await octokit.request(
        "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig",
        { owner: "acme", repo: "web", ...jitBody(name) },
      );
      return registeredRunnerOf(data.encoded_jit_config);
    };
    const removeRunner = async (id: number) => {
      await octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
        owner: "acme",
        repo: "web",
        runner_id: id,
      });
    };
    try {
      await body({
        fake,
        actions,
        matched,
        started,
        webhooks: edge.received,
        runner,
        removeRunner,
      });
    } finally {
      await actions.stop();
      await edge.close();
    }
  });
}

Deno.test("a job matched to an idle runner stays queued for GitHub's assignment delay, then starts", async () => {
  await withActions(async ({ fake, actions, matched, started, webhooks, runner }) => {
    actions.runnerOnline(await runner("r1"), { onFinished: () => {} });
    const [jobId] = actions.queueRun(run("build"));
    assert.deepEqual(matched, [`${jobId} r1`]);
    assert.equal(fake.jobs.get(jobId)?.status, "queued");
    assert.equal(actions.stats().idleRunners, 0);

    await until("the job started", () => started.length === 1);
    assert.deepEqual(started, [`${jobId} r1`]);
    assert.equal(fake.jobs.get(jobId)?.status, "in_progress");
    assert.equal(fake.jobs.get(jobId)?.runner_name, "r1");
    await until("two webhooks", () => webhooks.length === 2);
    assert.deepEqual(webhooks, [`queued ${jobId} -`, `in_progress ${jobId} r1`]);
  });
});

Deno.test("a job cancelled during its assignment frees the runner for the next queued job", async () => {
  await withActions(async ({ fake, actions, matched, started, runner }) => {
    actions.runnerOnline(await runner("r1"), { onFinished: () => {} });
    const [first] = actions.queueRun(run("first"));
    actions.cancel([first]);
    const [second] = actions.queueRun(run("second"));
    // The runner is held for the first job's assignment: the second waits.
    assert.deepEqual(matched, [`${first} r1`]);

    await until("the second job started", () => started.length === 1);
    assert.deepEqual(matched, [`${first} r1`, `${second} r1`]);
    assert.deepEqual(started, [`${second} r1`]);
    assert.equal(fake.jobs.get(first)?.conclusion, "cancelled");
    assert.equal(fake.jobs.get(second)?.runner_name, "r1");
  });
});

Deno.test("a runner removed during its assignment leaves the job queued for the next runner", async () => {
  await withActions(async ({ fake, actions, matched, started, runner, removeRunner }) => {
    const r1 = await runner("r1");
    actions.runnerOnline(r1, { onFinished: () => {} });
    const [jobId] = actions.queueRun(run("build"));
    assert.deepEqual(matched, [`${jobId} r1`]);
    await removeRunner(r1.id);
    actions.runnerOnline(await runner("r2"), { onFinished: () => {} });

    await until("the job started", () => started.length === 1);
    assert.deepEqual(started, [`${jobId} r2`]);
    assert.deepEqual(matched, [`${jobId} r1`, `${jobId} r2`]);
    assert.equal(fake.jobs.get(jobId)?.runner_name, "r2");
  });
});
