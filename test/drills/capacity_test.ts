/**
 * Drill: EC2 has no capacity for a while, then recovers. In production the
 * shortage would last 30 s against backoffs of 30/60/120/240/300 s; here the
 * backoff is configured to 0.5/1/2 s, so a 4 s shortage exercises the same
 * path (several failed attempts, then success) in test time. The shortage
 * starts at the core's first launch call, not on the wall clock, so a slow
 * start on a loaded machine cannot let the core miss it.
 */
import assert from "node:assert/strict";
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { LAGGING } from "../support/ec2/emulator.ts";
import { assertEveryJobLaunchedOnce } from "./drill_checks.ts";

const JOBS = Array.from({ length: 20 }, (_, i) => 7_200_001 + i);
const SHORTAGE_MS = 4_000;

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
    stack.ec2.faults.insufficientCapacity({ ms: SHORTAGE_MS, from: "next-launch" });
    await stack.startCore();
    await stack.queue(JOBS, ["self-hosted", "my-app", "small"]);
    await assertEveryJobLaunchedOnce(stack, JOBS, 60_000);
    const fleets = stack.ec2.calls.filter((c) => c.action === "CreateFleet");
    const shortageEnds = fleets[0].at + SHORTAGE_MS;
    const triedDuringShortage = fleets.filter((c) => c.at < shortageEnds);
    assert.ok(triedDuringShortage.length >= 2, "launches were tried again during the shortage");
    const early = stack.ec2.instances().filter((i) => i.launchedAt < shortageEnds);
    assert.deepEqual(early, [], "nothing launched while there was no capacity");
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.core()?.output().slice(-5000));
    await stack.close();
  }
});
