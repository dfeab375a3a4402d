/**
 * Org-scoped projects against libSQL, the EC2 emulator and the GitHub fake:
 * a job of an org repo with no binding of its own gets an org-level JIT runner
 * (in the project's runner group, with the pool's labels), the reaper deletes
 * that runner at the org level, and the reconciler finds a missed queued job
 * of such a repo through the installation's repository list.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { GitHubApp } from "../../core/github/github_app.ts";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { reapOnce } from "../../core/scheduler/reaper.ts";
import { auditEvents, instances, projects } from "../../shared/db/schema.ts";
import { startGithubFake } from "../support/github/fake.ts";
import {
  type CoreFixture,
  LABELS,
  messageOf,
  reconcilerOf,
  startCoreFixture,
  waitFor,
} from "./fixture.ts";

/** A repo of the org that no binding names (the fixture binds acme/web only). */
const ORG_REPO = "acme/api";
const MIN = 60_000;

/** The fixture's project, scoped to every repo of acme, its org runners in group 5. */
async function scopeToOrg(stack: CoreFixture) {
  await stack.db.update(projects).set({ org: "acme", runnerGroupId: 5 })
    .where(eq(projects.name, "my-app"));
}

const startingJob = (stack: CoreFixture, id: number) =>
  waitFor(`job ${id} to launch`, async () => {
    const row = await stack.store.job(String(id));
    return row?.state === "starting" ? row : undefined;
  });

Deno.test("an org-scoped project's job gets an org-level runner, which the reaper deletes at the org", async () => {
  const stack = await startCoreFixture();
  try {
    await scopeToOrg(stack);
    const seeded = stack.github.addJob({ repo: ORG_REPO, labels: LABELS });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(seeded, { repoFullName: ORG_REPO, installationId: 1001 })),
    );
    const job = await startingJob(stack, seeded.id);

    const [registered] = stack.github.runners();
    assert.deepEqual(registered.scope, { owner: "acme", repo: null }, "registered with the org");
    assert.equal(registered.runner.name, job.runnerName);
    assert.equal(registered.runner.runner_group_id, 5);
    assert.deepEqual(
      registered.runner.labels.map((label) => label.name),
      ["self-hosted", "my-app", "small", "acme-api"],
      "the pool's label set",
    );
    const jitCalls = stack.github.calls.filter((call) => call.path.endsWith("generate-jitconfig"));
    assert.deepEqual(jitCalls.map((call) => `${call.method} ${call.path} ${call.status}`), [
      "POST /orgs/acme/actions/runners/generate-jitconfig 201",
    ]);
    const [instance] = await stack.db.select().from(instances)
      .where(eq(instances.id, job.instanceId!));
    assert.equal(instance.runnerScope, "org");
    assert.equal(stack.deposits[0].runnerName, job.runnerName);

    // Never registered within the boot timeout: reaped, and its runner deleted from the org.
    const reaped = await reapOnce({
      store: stack.store,
      provider: stack.provider,
      log: stack.log,
      now: () => Date.now() + 11 * MIN,
      bootTimeoutSeconds: 600,
      maxRuntimeMinutes: 60,
      github: stack.app,
    });
    assert.deepEqual(reaped.map((t) => t.instanceId), [job.instanceId]);
    assert.deepEqual(stack.github.runners(), [], "the org runner is gone");
    const deletes = stack.github.calls.filter((call) => call.method === "DELETE");
    assert.deepEqual(deletes.map((call) => `${call.path.replace(/\d+$/, "N")} ${call.status}`), [
      "/orgs/acme/actions/runners/N 204",
    ]);
    const [audit] = await stack.db.select().from(auditEvents)
      .where(eq(auditEvents.action, "runner.delete"));
    assert.equal(audit.outcome, "ok");
    assert.equal((audit.payload as { scope: string }).scope, "org");
  } finally {
    await stack.close();
  }
});

Deno.test("an App without the org runner permission (403) registers the runner with the repository, and the books say so", async () => {
  const stack = await startCoreFixture({
    github: {
      installations: [{
        id: 1001,
        account: "acme",
        permissions: { actions: "write", administration: "write", metadata: "read" },
      }],
    },
  });
  try {
    await scopeToOrg(stack);
    const seeded = stack.github.addJob({ repo: ORG_REPO, labels: LABELS });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(seeded, { repoFullName: ORG_REPO, installationId: 1001 })),
    );
    const job = await startingJob(stack, seeded.id);
    const jitCalls = stack.github.calls.filter((call) => call.path.endsWith("generate-jitconfig"));
    assert.deepEqual(jitCalls.map((call) => `${call.method} ${call.path} ${call.status}`), [
      "POST /orgs/acme/actions/runners/generate-jitconfig 403",
      "POST /repos/acme/api/actions/runners/generate-jitconfig 201",
    ]);
    assert.deepEqual(stack.github.runners().map((r) => [r.scope, r.runner.name]), [
      [{ owner: "acme", repo: "api" }, job.runnerName],
    ]);
    const [instance] = await stack.db.select().from(instances)
      .where(eq(instances.id, job.instanceId!));
    assert.equal(instance.runnerScope, "repo");
  } finally {
    await stack.close();
  }
});

Deno.test("a repo bound explicitly keeps repo-level runners when its project is scoped to another org", async () => {
  const stack = await startCoreFixture();
  try {
    await stack.db.update(projects).set({ org: "beta" }).where(eq(projects.name, "my-app"));
    const seeded = stack.github.addJob({ repo: "acme/web", labels: LABELS });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(seeded, { repoFullName: "acme/web", installationId: 1001 })),
    );
    const job = await startingJob(stack, seeded.id);
    assert.deepEqual(stack.github.runners().map((r) => r.scope), [
      { owner: "acme", repo: "web" },
    ]);
    const [instance] = await stack.db.select().from(instances)
      .where(eq(instances.id, job.instanceId!));
    assert.equal(instance.runnerScope, "repo");
  } finally {
    await stack.close();
  }
});

Deno.test("the reconciler adopts a missed queued job of an org repo that no binding names", async () => {
  const stack = await startCoreFixture();
  try {
    await scopeToOrg(stack);
    const missed = stack.github.addJob({
      repo: ORG_REPO,
      labels: LABELS,
      created_at: new Date(Date.now() - 2 * MIN).toISOString(),
    });
    // A repo of another owner is not the org's, whatever the fake holds.
    stack.github.addJob({
      repo: "other/thing",
      labels: LABELS,
      created_at: new Date(Date.now() - 2 * MIN).toISOString(),
    });
    const reconciler = reconcilerOf(stack);

    const first = await reconciler.reconcileOnce();
    assert.deepEqual(first.adopted, [String(missed.id)]);
    const job = await startingJob(stack, missed.id);
    assert.equal(job.repoFullName, ORG_REPO);
    assert.deepEqual(stack.github.runners().map((r) => r.scope), [{ owner: "acme", repo: null }]);
    const listed = stack.github.calls.filter((call) => call.path === "/installation/repositories");
    assert.equal(listed.length, 1);
    assert.ok(
      !stack.github.calls.some((call) => call.path.startsWith("/repos/other/")),
      "only the org's repos are swept",
    );

    const second = await reconciler.reconcileOnce();
    assert.deepEqual(second.adopted, [], "adopted once");
  } finally {
    await stack.close();
  }
});

Deno.test("an org scope on a user account registers with the repo instead, and says so", async () => {
  const github = await startGithubFake({
    installations: [{ id: 9, account: "octocat", accountType: "User" }],
  });
  try {
    const app = new GitHubApp({
      appId: github.appId,
      privateKey: github.privateKeyPem,
      apiUrl: github.url,
    });
    const jit = await app.generateJitConfig({
      repoFullName: "octocat/hello",
      installationId: null,
      runnerName: "gantry-1-1",
      labels: ["self-hosted", "my-app"],
      scope: "org",
      runnerGroupId: 5,
    });
    assert.equal(jit.scope, "repo");
    assert.deepEqual(github.runners().map((r) => [r.scope, r.runner.runner_group_id]), [
      [{ owner: "octocat", repo: "hello" }, 1],
    ]);
    assert.equal(
      await app.removeRunner({
        repoFullName: "octocat/hello",
        installationId: null,
        runnerName: "gantry-1-1",
        scope: jit.scope,
      }),
      "removed",
    );
    assert.deepEqual(github.runners(), []);
  } finally {
    await github.close();
  }
});
