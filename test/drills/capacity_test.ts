/**
 * Drill: EC2 has no capacity for a while, then recovers. In production the
 * shortage would last 30 s against backoffs of 30/60/120/240/300 s; here the
 * backoff is configured to 0.5/1/2 s, so a 4 s shortage exercises the same
 * path (several failed attempts, then success) in test time.
 */
import assert from "node:assert/strict";
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { LAGGING } from "../support/ec2/emulator.ts";
import { assertEveryJobLaunchedOnce } from "./drill_checks.ts";

const JOBS = Array.from({ length: 20 }, (_, i) => 7_200_001 + i);

Deno.test("drill: InsufficientInstanceCapacity for a while, then recovery: 0 lost, 0 twice", async () => {
  const stack = await startCoreProcessStack({
    pools: [{
      name: "small",
      default: true,
      ami: "ami-0abcdef1234567890",
      instance_types: ["t3.small", "t3.medium"],
      subnets: ["subnet-aaa111", "subnet-bbb222"],
      security_groups: ["sg-0123"],
    }],
    scheduler: { launch_retry_delays_ms: [500, 1000, 2000], launch_retry_jitter: 0.2 },
    aws: { max_attempts: 2 },
  });
  // Drills run against an eventually consistent EC2, as the real one is.
  stack.ec2.setConsistency(LAGGING);
  let isPassing = false;
  try {
    await stack.startCore();
    stack.ec2.faults.insufficientCapacity({ ms: 4_000 });
    const shortageEnds = Date.now() + 4_000;
    await stack.queue(JOBS, ["self-hosted", "my-app", "small"]);
    await assertEveryJobLaunchedOnce(stack, JOBS, 60_000);
    const triedDuringShortage = stack.ec2.calls.filter((c) =>
      c.action === "CreateFleet" && c.at < shortageEnds && !c.error
    );
    assert.ok(triedDuringShortage.length >= 1, "launches were tried during the shortage");
    assert.ok(
      stack.ec2.instances().every((i) => i.launchedAt >= shortageEnds - 50),
      "nothing launched while there was no capacity",
    );
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.core()?.output().slice(-5000));
    await stack.close();
  }
});
