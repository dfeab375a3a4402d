/**
 * Drill: every EC2 call is throttled (RequestLimitExceeded) for a while. The
 * SDK's retry strategy retries each call (aws.max_attempts); past that the
 * launcher replays the same call, same client token, after its backoff. In
 * production the drill is 20 s of throttling against 30 s+ backoffs; here
 * 3 s against 0.5/1 s backoffs. The throttling starts at the core's first
 * launch call, not on the wall clock.
 */
import assert from "node:assert/strict";
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { LAGGING } from "../support/ec2/emulator.ts";
import { assertEveryJobLaunchedOnce } from "./drill_checks.ts";

const JOBS = Array.from({ length: 20 }, (_, i) => 7_300_001 + i);
const THROTTLE_MS = 3_000;

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
    stack.ec2.faults.throttle(THROTTLE_MS, { from: "next-launch" });
    await stack.startCore();
    await stack.queue(JOBS, ["self-hosted", "my-app", "small"]);
    await assertEveryJobLaunchedOnce(stack, JOBS, 60_000);
    const launches = stack.ec2.calls.filter((c) => c.action === "CreateFleet");
    const throttleEnds = launches[0].at + THROTTLE_MS;
    assert.equal(launches[0].error, "RequestLimitExceeded", "the first launch was throttled");
    const during = stack.ec2.calls.filter((c) => c.at >= launches[0].at && c.at < throttleEnds);
    assert.deepEqual(
      during.filter((c) => c.error !== "RequestLimitExceeded").map((c) => c.action),
      [],
      "every call in the window was throttled",
    );
    assert.ok(
      launches.filter((c) => c.at < throttleEnds).length >= 2,
      "the launch was retried during the throttling",
    );
    const early = stack.ec2.instances().filter((i) => i.launchedAt < throttleEnds);
    assert.deepEqual(early, [], "nothing launched while throttled");
    isPassing = true;
  } finally {
    if (!isPassing) console.error(stack.core()?.output().slice(-5000));
    await stack.close();
  }
});
