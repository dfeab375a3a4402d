/**
 * Registering a launch's runners against libSQL, the EC2 emulator and the
 * GitHub fake keeping GitHub's rules: instances are on the books before the
 * first runner is registered (registration is paced to GitHub's write limit,
 * and the reaper ends running instances the books do not know), and a
 * registration GitHub refuses for good ends the instance and fails the job
 * with GitHub's words instead of replaying the launch.
 */
import assert from "node:assert/strict";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { eq } from "drizzle-orm";
import { auditEvents, instances } from "../../shared/db/schema.ts";
import { type CoreFixture, LABELS, messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

const jitCallsOf = (stack: CoreFixture) =>
  stack.github.calls.filter((call) => call.path.endsWith("/generate-jitconfig"))
    .map((call) => `${call.method} ${call.path} ${call.status}`);

Deno.test("a launch's instances are recorded before the first runner is registered", async () => {
  const seen: { instances: string[]; runner: string }[] = [];
  // The wrapper runs only once the stack exists (the first registration).
  const stack: CoreFixture = await startCoreFixture({
    wrapGitHub: (app) =>
      Object.assign(Object.create(app), {
        generateJitConfig: async (request: Parameters<typeof app.generateJitConfig>[0]) => {
          const rows = await stack.db.select({ id: instances.id }).from(instances);
          seen.push({ instances: rows.map((row) => row.id), runner: request.runnerName });
          return await app.generateJitConfig(request);
        },
      }),
  });
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(seeded, { repoFullName: REPO, installationId: 1001 })),
    );
    const job = await waitFor("the job to start", async () => {
      const row = await stack.store.job(String(seeded.id));
      return row?.state === "starting" ? row : undefined;
    });
    assert.deepEqual(seen, [{ instances: [job.instanceId], runner: job.runnerName }]);
    const [instance] = await stack.db.select().from(instances);
    assert.deepEqual([instance.runnerName, instance.runnerScope], [job.runnerName, "repo"]);
  } finally {
    await stack.close();
  }
});

Deno.test("a repository whose org policy disables self-hosted runners: the instance is terminated and the job failed with GitHub's words, once", async () => {
  const stack = await startCoreFixture({
    github: {
      installations: [{ id: 1001, account: "acme", reposWithoutSelfHostedRunners: ["web"] }],
    },
  });
  try {
    const seeded = stack.github.addJob({ repo: REPO, labels: LABELS });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(seeded, { repoFullName: REPO, installationId: 1001 })),
    );
    const job = await waitFor("the job to fail", async () => {
      const row = await stack.store.job(String(seeded.id));
      return row?.state === "failed" ? row : undefined;
    });
    assert.equal(
      job.failureReason,
      "runner registration refused: GitHub generate-jitconfig for acme/web failed (HTTP 403): " +
        "Resource not accessible by integration",
    );
    const [instance] = await stack.db.select().from(instances);
    assert.equal(instance.jobId, job.id);
    assert.equal(instance.terminationReason, "runner registration refused");
    assert.notEqual(instance.terminatedAt, null);
    const terminations = await stack.db.select().from(auditEvents)
      .where(eq(auditEvents.action, "machine.terminate"));
    assert.deepEqual(terminations.map((a) => [a.target, a.payload]), [
      [instance.id, { reason: "registration-refused", jobId: job.id }],
    ]);
    assert.ok(
      ["shutting-down", "terminated"].includes(stack.ec2Emulator.instances()[0].state),
      stack.ec2Emulator.instances()[0].state,
    );
    assert.deepEqual(jitCallsOf(stack), [
      "POST /repos/acme/web/actions/runners/generate-jitconfig 403",
    ]);
    assert.deepEqual(stack.github.runners(), []);
    assert.deepEqual(stack.deposits, []);
    await stack.launcher.drain();
    assert.equal(jitCallsOf(stack).length, 1, "not replayed");
  } finally {
    await stack.close();
  }
});
