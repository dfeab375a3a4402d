/**
 * Burst: 1,000 jobs queued at once over 4 pools, through the edge (workerd),
 * the real core process, libSQL, the GitHub fake and the EC2 emulator
 * enforcing a launch-rate token bucket (2 launch calls/s, burst 5: stricter
 * than EC2's own RunInstances bucket). Figures: launch calls made, seconds
 * until every job has an instance, duplicates and lost (correctness, must be
 * 0), and the core's RSS idle and peak (VmRSS / VmHWM from /proc).
 */
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { type BenchOptions, type Figure, round } from "./figure.ts";

const POOLS = ["p1", "p2", "p3", "p4"];

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const n = options.isQuick ? 200 : 1000;
  const stack = await startCoreProcessStack({
    pools: POOLS.map((name) => ({
      name,
      ami: "ami-0abcdef1234567890",
      instance_types: ["m5.large", "m5.xlarge", "c5.large"],
      subnets: ["subnet-aaa111", "subnet-bbb222", "subnet-ccc333"],
      security_groups: ["sg-0123"],
    })),
    edge: { lease_batch: 500 },
  });
  try {
    stack.ec2.faults.tokenBucket({ ratePerSecond: 2, burst: 5 });
    const core = await stack.startCore();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = memoryMb(core.pid);

    const ids = Array.from({ length: n }, (_, i) => 8_000_001 + i);
    const started = performance.now();
    const queueing = Promise.all(
      POOLS.map((pool, p) =>
        stack.queue(
          ids.filter((_, i) => i % POOLS.length === p),
          ["self-hosted", "my-app", pool],
          8,
        )
      ),
    );
    await queueing;
    const sentAfter = (performance.now() - started) / 1000;
    let states = await stack.states();
    const deadline = Date.now() + 10 * 60_000;
    const isDone = () => ids.every((id) => states.get(String(id))?.state === "starting");
    let recordedAfter = NaN;
    while (!isDone() && Date.now() < deadline) {
      if (Number.isNaN(recordedAfter) && ids.every((id) => states.has(String(id)))) {
        recordedAfter = (performance.now() - started) / 1000;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      states = await stack.states();
    }
    const seconds = (performance.now() - started) / 1000;
    const peak = memoryMb(core.pid);

    const instances = stack.ec2.instances();
    const assigned = ids.map((id) => states.get(String(id))?.instanceId).filter((id) => id);
    const duplicates = instances.length - new Set(assigned).size;
    const lost = ids.filter((id) => states.get(String(id))?.state !== "starting").length;
    const launches = stack.ec2.calls.filter((c) =>
      c.action === "CreateFleet" || c.action === "RunInstances"
    );
    return [
      {
        key: "burst.launch_calls",
        label: `EC2 launch calls for ${n} jobs over 4 pools`,
        value: launches.filter((c) => !c.error).length,
        unit: "calls",
      },
      {
        key: "burst.launch_calls_throttled",
        label: "launch calls refused by the token bucket (retried by the SDK)",
        value: launches.filter((c) => c.error === "RequestLimitExceeded").length,
        unit: "calls",
      },
      {
        key: "burst.seconds_to_send",
        label: "time to send every webhook to the edge",
        value: round(sentAfter),
        unit: "s",
      },
      {
        key: "burst.seconds_to_all_recorded",
        label: "first webhook sent → every job recorded by the core",
        value: round(Number.isNaN(recordedAfter) ? seconds : recordedAfter),
        unit: "s",
      },
      {
        key: "burst.seconds_to_all_launched",
        label: "first webhook sent → every job has an instance",
        value: round(seconds),
        unit: "s",
      },
      {
        key: "burst.duplicates",
        label: "instances beyond one per job",
        value: duplicates,
        unit: "instances",
        isCorrectness: true,
      },
      {
        key: "burst.lost",
        label: "jobs without an instance",
        value: lost,
        unit: "jobs",
        isCorrectness: true,
      },
      { key: "core.rss_idle_mb", label: "core RSS, idle", value: round(idle.rss, 1), unit: "MB" },
      {
        key: "core.rss_peak_mb",
        label: "core peak RSS (VmHWM), burst",
        value: round(peak.peak, 1),
        unit: "MB",
      },
    ];
  } finally {
    await stack.close();
  }
}
