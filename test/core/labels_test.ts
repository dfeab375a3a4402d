/**
 * Labels follow GitHub's rule, end to end through the GitHub fake's job
 * assignment: GitHub hands a job only to an online, idle runner whose labels
 * contain every `runs-on` label, compared case-insensitively and otherwise
 * exactly. Routing may match `MyApp` to the pool `my-app`; the runner must
 * still carry `MyApp`, or the job waits at GitHub for a day and fails.
 */
import assert from "node:assert/strict";
import { and, eq } from "drizzle-orm";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { auditEvents, pools } from "../../shared/db/schema.ts";
import { messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

Deno.test("mixed case, characters outside [a-z0-9._-] and non-ASCII labels: each job's runner carries its runs-on as written, and GitHub gives it the job", async () => {
  const stack = await startCoreFixture({ github: { assignJobs: true } });
  try {
    await stack.db.update(pools).set({ extraLabels: ["team/web", "größe"] })
      .where(eq(pools.name, "small"));
    const cases = [
      ["self-hosted", "MyApp", "SMALL"],
      ["self-hosted", "my-app", "team/web"],
      ["Self-Hosted", "Größe"],
    ];
    const seeded = cases.map((labels, i) =>
      stack.github.addJob({ repo: REPO, labels, name: `job-${i}` })
    );
    for (const job of seeded) {
      await stack.events.handle(
        messageOf("queued", jobFactsOf(job, { repoFullName: REPO, installationId: 1001 })),
      );
    }
    const launched = await Promise.all(
      seeded.map((job) =>
        waitFor(`job ${job.id} to launch`, async () => {
          const row = await stack.store.job(String(job.id));
          return row?.state === "starting" ? row : undefined;
        })
      ),
    );
    const runnerOf = (name: string | null) =>
      stack.github.runners().find((r) => r.runner.name === name)!.runner;
    assert.deepEqual(runnerOf(launched[0].runnerName).labels.map((l) => l.name), [
      "self-hosted",
      "MyApp",
      "SMALL",
      "my-app",
      "acme-web",
      "team-web",
      "gr-e",
    ]);
    assert.deepEqual(runnerOf(launched[2].runnerName).labels.map((l) => l.name), [
      "self-hosted",
      "Größe",
      "my-app",
      "small",
      "acme-web",
      "team-web",
      "gr-e",
    ]);
    // The runners boot and come online; GitHub assigns each job as it would.
    for (const row of launched) {
      stack.github.updateRunner(runnerOf(row.runnerName).id, { status: "online" });
    }
    assert.deepEqual(
      seeded.map((job) => {
        const now = stack.github.jobs.get(job.id)!;
        return [now.status, now.runner_name];
      }),
      launched.map((row) => ["in_progress", row.runnerName]),
    );
  } finally {
    await stack.close();
  }
});

Deno.test("a job no pool can serve is dropped at once, with the reason on the job and in the audit log", async () => {
  const stack = await startCoreFixture({ github: { assignJobs: true } });
  try {
    const job = stack.github.addJob({ repo: REPO, labels: ["self-hosted", "日本"] });
    await stack.events.handle(
      messageOf("queued", jobFactsOf(job, { repoFullName: REPO, installationId: 1001 })),
    );
    const dropped = await waitFor("the job to be dropped", async () => {
      const row = await stack.store.job(String(job.id));
      return row?.state === "dropped" ? row : undefined;
    });
    const reason = 'no enabled pool of project "my-app" has labels ["日本"]';
    assert.equal(dropped.failureReason, reason);
    const audits = await stack.db.select().from(auditEvents)
      .where(and(eq(auditEvents.action, "job.dropped"), eq(auditEvents.target, dropped.id)));
    assert.deepEqual(audits.map((a) => [a.outcome, a.payload]), [["failed", { reason }]]);
    assert.deepEqual(stack.github.runners(), []);
    assert.deepEqual(stack.ec2Emulator.instances(), []);
  } finally {
    await stack.close();
  }
});
