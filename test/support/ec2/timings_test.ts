/**
 * The start bench's timing model: seeded draws (the same seed, the same
 * durations), jitter bounds, the time scale, and the emulator drawing each
 * instance's pending and start time from it through the unmodified SDK.
 */
import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import type { PendingEvent } from "./emulator.ts";
import { withEmulator } from "./sdk_clients.ts";
import {
  EC2_START_MEANS_MS,
  INSTANT_START,
  START_PHASES,
  StartTimings,
  type StartTimingsConfig,
} from "./timings.ts";

const JITTERED: StartTimingsConfig = {
  meansMs: EC2_START_MEANS_MS,
  jitter: 0.25,
  seed: 42,
  scale: 0.1,
};

/** Rounds away float noise (1966.6000000000001) so real durations compare as literals. */
const ms = (value: number) => Math.round(value * 1000) / 1000;

Deno.test("seed 42 with 25 % jitter draws the same durations every run, each scaled to a tenth", () => {
  const timings = new StartTimings(JITTERED);
  const pending = [1, 2, 3].map(() => timings.draw("pending"));
  assert.deepEqual(pending.map((d) => d.simulatedMs), [19_666, 13_749, 12_060]);
  assert.deepEqual(pending.map((d) => ms(d.realMs)), [1_966.6, 1_374.9, 1_206]);
  assert.deepEqual(timings.draw("osBoot"), { simulatedMs: 2_946, realMs: 294.6 });
  assert.equal(timings.draw("githubAssignment").simulatedMs, 1_817);
});

Deno.test("a phase's draws do not depend on how the other phases' draws interleave", () => {
  const bootFirst = new StartTimings(JITTERED);
  const pendingFirst = new StartTimings(JITTERED);
  for (let i = 0; i < 5; i++) pendingFirst.draw("pending");
  assert.equal(bootFirst.draw("osBoot").simulatedMs, 2_946);
  assert.equal(pendingFirst.draw("osBoot").simulatedMs, 2_946);
  assert.equal(new StartTimings({ ...JITTERED, seed: 43 }).draw("osBoot").simulatedMs, 2_491);
});

Deno.test("without jitter every draw is the phase's mean, and the scale sets the real wait", () => {
  const timings = new StartTimings({ ...JITTERED, jitter: 0, scale: 0.05 });
  assert.deepEqual(
    START_PHASES.map((phase) => timings.draw(phase)).map((d) => [d.simulatedMs, ms(d.realMs)]),
    [[16_000, 800], [5_000, 250], [3_000, 150], [4_000, 200], [2_000, 100]],
  );
});

Deno.test("jittered draws stay within the mean ± jitter", () => {
  const timings = new StartTimings(JITTERED);
  const draws = Array.from({ length: 2_000 }, () => timings.draw("pending").simulatedMs);
  assert.ok(Math.min(...draws) >= 12_000, `min ${Math.min(...draws)}`);
  assert.ok(Math.max(...draws) <= 20_000, `max ${Math.max(...draws)}`);
  // Uniform: both halves of the range are drawn from.
  assert.ok(draws.some((d) => d < 13_000) && draws.some((d) => d > 19_000));
});

Deno.test("the instant model (every other test's emulator) draws no delay at all", () => {
  const timings = new StartTimings(INSTANT_START);
  assert.deepEqual(START_PHASES.map((phase) => timings.draw(phase).realMs), [0, 0, 0, 0, 0]);
});

Deno.test("a model with jitter outside [0, 1), a scale of 0 or a negative mean is refused", () => {
  assert.throws(
    () => new StartTimings({ ...JITTERED, jitter: 1 }),
    new RangeError("jitter must be in [0, 1), got 1"),
  );
  assert.throws(
    () => new StartTimings({ ...JITTERED, scale: 0 }),
    new RangeError("scale must be > 0, got 0"),
  );
  assert.throws(
    () => new StartTimings({ ...JITTERED, meansMs: { ...EC2_START_MEANS_MS, osBoot: -1 } }),
    new RangeError("osBoot mean must be >= 0 ms, got -1"),
  );
});

Deno.test("the emulator holds each launched and each started instance pending for its drawn time", async () => {
  let now = 1_000_000;
  const timings = new StartTimings({ ...JITTERED, jitter: 0, scale: 0.5 });
  const events: Omit<PendingEvent, "instance">[] = [];
  await withEmulator(async (emulator, ec2) => {
    emulator.onPending(({ instance: _instance, ...event }) => events.push(event));
    const launched = await ec2.send(
      new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1 }),
    );
    const id = launched.Instances![0].InstanceId!;
    const stateOf = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))
        .Reservations![0].Instances![0].State?.Name;
    now += 7_999;
    assert.equal(await stateOf(), "pending");
    now += 1;
    assert.equal(await stateOf(), "running");
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    now += 1;
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    now += 2_499;
    assert.equal(await stateOf(), "pending");
    now += 1;
    assert.equal(await stateOf(), "running");
  }, { clock: () => now, durations: timings.emulatorDurations(), rateLimits: "off" });
  assert.deepEqual(events, [
    { cause: "launch", at: 1_000_000, runningAt: 1_008_000 },
    { cause: "start", at: 1_008_001, runningAt: 1_010_501 },
  ]);
});
