/**
 * Exactly-once launch across a crash: the core is killed (SIGKILL) after EC2
 * launched a batch but before the core heard back, then restarted. The new
 * core replays the call with the client token recorded on the jobs, EC2
 * answers with the instances it already launched, and every job ends up
 * with exactly one instance; none is lost.
 */
import assert from "node:assert/strict";
import { startCoreProcessStack } from "../support/core_process_stack.ts";

const LABELS = ["self-hosted", "my-app", "small"];
const JOBS = Array.from({ length: 8 }, (_, i) => 7_100_001 + i);

Deno.test("a core killed between the launch call and its answer launches each job once", async () => {
  const stack = await startCoreProcessStack({
    pools: [{
      name: "small",
      default: true,
      ami: "ami-0abcdef1234567890",
      instance_types: ["t3.small", "t3.medium"],
      subnets: ["subnet-aaa111", "subnet-bbb222"],
      security_groups: ["sg-0123"],
    }],
    scheduler: { batch_window_ms: 300 },
  });
  let isPassing = false;
  try {
    // EC2 acts on launch calls at once but holds every answer for longer than the test
    // can take: the core never hears back, however slow the machine (the answer is let go
    // when the killed core hangs up).
    stack.ec2.faults.stallLaunches({ ms: 600_000, forMs: 600_000 });
    // The burst waits at the edge before the core starts, so its first lease takes all of
    // it and it goes out in one held call. (Queued while the core long-polls, the first
    // webhook would wake a lease of one job, whose held call keeps the rest from launching.)
    await stack.queue(JOBS, LABELS);
    const first = await stack.startCore();
    const deadline = performance.now() + 60_000;
    while (stack.ec2.instances().length < JOBS.length && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(stack.ec2.instances().length, JOBS.length, "EC2 launched the burst");
    const held = stack.ec2.calls.filter((c) => c.action === "CreateFleet");
    assert.ok(held.every((c) => !c.error), "the held launches succeeded in EC2");
    const before = await stack.states();
    assert.ok(
      JOBS.every((id) => before.get(String(id))?.state === "launching"),
      `recorded as launching before the answer: ${JSON.stringify([...before])}`,
    );
    first.kill("SIGKILL");
    await first.status;
    stack.ec2.faults.stallLaunches({ ms: 0, forMs: 0 });

    await stack.startCore();
    const until = performance.now() + 60_000;
    let states = await stack.states();
    while (
      !JOBS.every((id) => states.get(String(id))?.state === "starting") &&
      performance.now() < until
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      states = await stack.states();
    }
    const lost = JOBS.filter((id) => states.get(String(id))?.state !== "starting");
    assert.deepEqual(lost, [], `jobs lost: ${JSON.stringify([...states])}`);
    const instances = stack.ec2.instances();
    assert.equal(instances.length, JOBS.length, "no instance launched twice");
    const assigned = new Set(JOBS.map((id) => states.get(String(id))!.instanceId));
    assert.equal(assigned.size, JOBS.length, "one instance per job");
    for (const id of assigned) assert.ok(instances.some((i) => i.instanceId === id), id!);
    const fleets = stack.ec2.calls.filter((c) => c.action === "CreateFleet" && !c.error);
    const heldTokens = new Set(held.map((c) => c.params.ClientToken));
    const replayed = fleets.slice(held.length).map((c) => c.params.ClientToken);
    assert.deepEqual(
      [...new Set(replayed)].sort(),
      [...heldTokens].sort(),
      "the restarted core replayed exactly the recorded tokens",
    );
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.core()?.output().slice(-6000));
    await stack.close();
  }
});
