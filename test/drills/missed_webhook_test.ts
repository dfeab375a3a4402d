/**
 * Fault drill (issue 6): a `queued` webhook is never delivered. The core's
 * reconciler finds the job queued on GitHub, launches it once, and the job
 * runs to completion; the late webhook (GitHub redelivers it after all)
 * launches nothing more. A failed delivery in the App's log is redelivered
 * once. Real processes: core, edge in workerd, libSQL, EC2 emulator, GitHub fake.
 */
import assert from "node:assert/strict";
import {
  eventually,
  instancesPerJob,
  jobStates,
  LABELS,
  REPO,
  SESSION_SECRET,
  startDrillStack,
} from "./drill_stack.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";

Deno.test("missed webhook drill: reconciliation finds the job and it runs; 0 lost, 0 launched twice", async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    const job = stack.github.addJob({ repo: REPO, labels: LABELS });
    const failed = stack.github.addDelivery({ action: "queued", status_code: 503 });
    const id = String(job.id);
    await stack.startCore("core-reconcile", {
      reconcile: { interval_seconds: 1, min_age_seconds: 0 },
    });

    await eventually(
      async () => (await jobStates(stack.db)).get(id) === "starting",
      async () => `job ${id} is ${(await jobStates(stack.db)).get(id) ?? "unknown to the core"}`,
    );
    const row = (await stack.db.execute({
      sql: "SELECT runner_name, instance_id FROM jobs WHERE id = ?",
      args: [id],
    })).rows[0];
    await stack.post("in_progress", job.id, String(row.runner_name));
    await stack.post("completed", job.id, String(row.runner_name));
    await eventually(
      async () => (await jobStates(stack.db)).get(id) === "completed",
      async () => `job ${id} is ${(await jobStates(stack.db)).get(id)}`,
    );
    // GitHub delivers the queued webhook late after all: nothing more is launched.
    const launchCalls = () =>
      stack.ec2.calls.filter((c) => c.action === "CreateFleet" || c.action === "RunInstances")
        .length;
    const launchesBefore = launchCalls();
    await stack.post("queued", job.id);
    // Wait for the core to have taken and acked the late webhook (the edge's queue is
    // empty again), then check the emulator's call log: no launch came of it. The edge
    // checks the operator's users row on every request (the core migrated the table).
    await seedTestOperators(stack.db);
    const viewer = await operatorToken(SESSION_SECRET, "viewer");
    let lastAnswer = "no answer yet";
    await eventually(
      async () => {
        const response = await fetch(`${stack.edge.url}/api/v1/queue`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        const body = await response.text();
        lastAnswer = `${response.status} ${body}`;
        // A refused request is no count: fail now rather than wait on undefined fields.
        assert.equal(response.status, 200, `the queue's counts: ${lastAnswer}`);
        const queue = JSON.parse(body) as { ready: number; leased: number };
        return queue.ready === 0 && queue.leased === 0;
      },
      () => `the late webhook is still in the edge's queue: ${lastAnswer}`,
    );
    assert.equal(launchCalls(), launchesBefore, "the late webhook launched nothing");

    const instances = instancesPerJob(stack.ec2).get(id) ?? [];
    assert.deepEqual(instances, [String(row.instance_id)], "0 lost, 0 launched twice");
    assert.equal((await jobStates(stack.db)).get(id), "completed");
    const adopted = await stack.db.execute(
      "SELECT target FROM audit_events WHERE action = 'job.adopt'",
    );
    assert.deepEqual(adopted.rows.map((r) => String(r.target)), [id], "adopted once, audited");
    const redeliveries = stack.github.calls.filter((c) =>
      c.path === `/app/hook/deliveries/${failed.id}/attempts`
    );
    assert.equal(redeliveries.length, 1, "the failed delivery is redelivered once");
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
