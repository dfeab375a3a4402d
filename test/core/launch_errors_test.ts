/**
 * How the launcher treats each class of provider error, end to end through
 * the EC2 emulator: an unclassified code is retried a bounded number of times
 * and then fails the job with the code and message on it (it used to be taken
 * for capacity and retried until GitHub dropped the job); a permanent error
 * fails at once.
 */
import assert from "node:assert/strict";
import { jobFactsOf } from "../../core/github/job_facts.ts";
import { MAX_UNKNOWN_RETRIES } from "../../shared/launch/shortfall.ts";
import { type CoreFixture, LABELS, messageOf, REPO, startCoreFixture, waitFor } from "./fixture.ts";

async function queueJob(stack: CoreFixture): Promise<string> {
  const job = stack.github.addJob({ repo: REPO, labels: LABELS });
  await stack.events.handle(
    messageOf("queued", jobFactsOf(job, { repoFullName: REPO, installationId: 1001 })),
  );
  return String(job.id);
}

async function settled(stack: CoreFixture, id: string) {
  return await waitFor(`job ${id} to settle`, async () => {
    const row = await stack.store.job(id);
    return row && ["failed", "starting"].includes(row.state) ? row : undefined;
  });
}

Deno.test("an unclassified CreateFleet error is retried a bounded number of times, then fails the job with its code", async () => {
  const stack = await startCoreFixture();
  try {
    stack.ec2Emulator.faults.launchError({
      ms: 120_000,
      code: "SomethingAwsAddsNextYear",
      message: "A reason nobody has seen yet.",
    });
    const id = await queueJob(stack);
    const job = await settled(stack, id);
    assert.equal(job.state, "failed");
    assert.equal(
      job.failureReason,
      `launch failed after ${MAX_UNKNOWN_RETRIES} retries of an unclassified error: ` +
        "SomethingAwsAddsNextYear: A reason nobody has seen yet.",
    );
    assert.equal(job.launchAttempts, MAX_UNKNOWN_RETRIES + 1);
    const tokens = new Set(
      stack.ec2Emulator.calls.filter((c) => c.action === "CreateFleet").map((c) =>
        c.params.ClientToken
      ),
    );
    assert.equal(tokens.size, MAX_UNKNOWN_RETRIES + 1);
    const transitions = await stack.store.transitionsOf(id);
    assert.deepEqual(
      transitions.filter((t) => t.toState === "queued" && t.fromState === "launching").map((t) =>
        t.reason
      ),
      [1, 2, 3].map((n) =>
        `unclassified launch error (SomethingAwsAddsNextYear); retry ${n} of ${MAX_UNKNOWN_RETRIES}`
      ),
    );
  } finally {
    await stack.close();
  }
});

Deno.test("an unclassified error from the template call is replayed a bounded number of times, then fails", async () => {
  const stack = await startCoreFixture();
  try {
    stack.ec2Emulator.faults.failAction({
      action: "CreateLaunchTemplate",
      code: "SomethingElseNew",
      message: "Also new.",
      ms: 120_000,
    });
    const id = await queueJob(stack);
    const job = await settled(stack, id);
    assert.equal(job.state, "failed");
    assert.equal(
      job.failureReason,
      "launch failed: EC2 CreateLaunchTemplate: SomethingElseNew: Also new.",
    );
    const creates = stack.ec2Emulator.calls.filter((c) => c.action === "CreateLaunchTemplate");
    assert.equal(creates.length, MAX_UNKNOWN_RETRIES + 1);
  } finally {
    await stack.close();
  }
});

Deno.test("a permanent error on the template call fails the job at once", async () => {
  const stack = await startCoreFixture();
  try {
    stack.ec2Emulator.faults.failAction({
      action: "CreateLaunchTemplate",
      code: "UnauthorizedOperation",
      message: "You are not authorized to perform this operation.",
      ms: 120_000,
    });
    const id = await queueJob(stack);
    const job = await settled(stack, id);
    assert.equal(job.state, "failed");
    assert.match(job.failureReason ?? "", /UnauthorizedOperation/);
    assert.equal(
      stack.ec2Emulator.calls.filter((c) => c.action === "CreateLaunchTemplate").length,
      1,
    );
  } finally {
    await stack.close();
  }
});
