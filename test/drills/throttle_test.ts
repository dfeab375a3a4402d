/**
 * Drill: every EC2 call is throttled (RequestLimitExceeded) for a while. The
 * SDK's retry strategy retries each call (aws.max_attempts); past that the
 * launcher replays the same call, same client token, after its backoff. In
 * production the drill is 20 s of throttling against 30 s+ backoffs; here
 * 3 s against 0.5/1 s backoffs.
 */
import assert from "node:assert/strict";
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { LAGGING } from "../support/ec2/emulator.ts";
import { assertEveryJobLaunchedOnce } from "./drill_checks.ts";

const JOBS = Array.from({ length: 20 }, (_, i) => 7_300_001 + i);

Deno.test("drill: every EC2 call throttled for a while: 0 lost, 0 twice", async () => {
  const stack = await startCoreProcessStack({
    pools: [{
      name: "small",
      default: true,
      ami: "ami-0abcdef1234567890",
      instance_types: ["t3.small"],
      subnets: ["subnet-aaa111"],
      security_groups: ["sg-0123"],
    }],
    scheduler: { launch_retry_delays_ms: [500, 1000], launch_retry_jitter: 0.2 },
    aws: { max_attempts: 3 },
  });
  // Drills run against an eventually consistent EC2, as the real one is.
  stack.ec2.setConsistency(LAGGING);
  let isPassing = false;
  try {
    await stack.startCore();
    stack.ec2.faults.throttle(3_000);
    await stack.queue(JOBS, ["self-hosted", "my-app", "small"]);
    await assertEveryJobLaunchedOnce(stack, JOBS, 60_000);
    const throttled = stack.ec2.calls.filter((c) => c.error === "RequestLimitExceeded");
    assert.ok(throttled.length > 0, "calls were throttled");
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.core()?.output().slice(-5000));
    await stack.close();
  }
});
