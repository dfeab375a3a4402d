/**
 * Burst: 1,000 jobs queued at once over 4 pools, through the edge (workerd),
 * the real core process, libSQL, the GitHub fake and the EC2 emulator with
 * EC2's documented rate limits (1,000 instances at once, then 2/s; CreateFleet
 * 50 calls, then 5/s) plus a harsher launch-call bucket on top (2 launch
 * calls/s, burst 5: RunInstances' own request bucket, ten times CreateFleet's).
 *
 * "At once": the core is paused (SIGSTOP) while the webhooks are posted, then
 * resumed, so it finds all 1,000 queued at the edge, as after a fan-out that
 * outran it. A second wave of 1,000 then arrives while the core runs, as fast
 * as this machine's edge accepts them, so jobs trickle in over seconds. The
 * first wave empties EC2's instance bucket, which takes 8 minutes to refill
 * at 2/s; the bench refills it between the waves instead of waiting.
 * Figures per wave: launch calls, seconds until every job has an instance,
 * duplicates and lost (correctness, must be 0); and the core's RSS idle and
 * peak (VmRSS / VmHWM from /proc).
 *
 * The core runs as it ships: the bundle `deno task bundle` writes (made afresh
 * here), with the V8 flags `deno task compile` bakes into the binary. It is
 * run once with `--version` first: `deno run` of a file it has not seen parses
 * it to find its imports (about 90 MB for a moment, which glibc then keeps),
 * and caches that; the compiled binary never does it. Idle is the core's
 * steady RSS once start-up has settled: the median of VmRSS sampled every
 * 500 ms from 10 s to 15 s after it started, leasing from an empty edge.
 */
import { bundleCore } from "../support/bundle.ts";
import { startCoreProcessStack } from "../support/core_process_stack.ts";
import { compiledV8Flags } from "../support/core_v8_flags.ts";
import { type BenchOptions, type Figure, round } from "./figure.ts";

const POOLS = ["p1", "p2", "p3", "p4"];
const IDLE_SETTLE_MS = 10_000;
const IDLE_SAMPLES = 11;
const IDLE_SAMPLE_INTERVAL_MS = 500;

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Runs `bundle --version`, so Deno has analysed its imports before the measured run. */
async function warmImportAnalysis(bundle: string, v8Flags: string | undefined): Promise<void> {
  const args = ["run", "-A", ...(v8Flags ? [v8Flags] : []), bundle, "--version"];
  const result = await new Deno.Command(Deno.execPath(), { args, stdout: "null" }).output();
  if (!result.success) throw new Error(`${bundle} --version exited ${result.code}`);
}

/** The core's steady RSS: the median of VmRSS samples taken once start-up has settled. */
async function idleRssMb(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  const samples: number[] = [];
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_INTERVAL_MS));
    samples.push(memoryMb(pid).rss);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const n = options.isQuick ? 200 : 1000;
  const v8Flags = await compiledV8Flags();
  const bundle = await bundleCore();
  await warmImportAnalysis(bundle, v8Flags);
  const stack = await startCoreProcessStack({
    coreEntry: bundle,
    denoFlags: v8Flags ? [v8Flags] : [],
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
    const idle = await idleRssMb(core.pid);

    /** Sends the wave's webhooks (8 connections per pool); resolves when sent. */
    const send = (ids: number[]) =>
      Promise.all(
        POOLS.map((pool, p) =>
          stack.queue(
            ids.filter((_, i) => i % POOLS.length === p),
            ["self-hosted", "my-app", pool],
            8,
          )
        ),
      );
    /** Follows a wave until every job has an instance (or 10 min), and tells how it went. */
    const follow = async (ids: number[], started: number, callsBefore: number) => {
      let states = await stack.states();
      const deadline = Date.now() + 10 * 60_000;
      const isDone = () => ids.every((id) => states.get(String(id))?.state === "starting");
      while (!isDone() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        states = await stack.states();
      }
      const seconds = (performance.now() - started) / 1000;
      const assigned = ids.map((id) => states.get(String(id))?.instanceId).filter((id) => id);
      const launches = stack.ec2.calls.slice(callsBefore).filter((c) =>
        c.action === "CreateFleet" || c.action === "RunInstances"
      );
      return {
        seconds,
        /** Each job's instance, in job order: a repeat is two jobs sharing one instance. */
        assignedList: assigned as string[],
        assigned: new Set(assigned),
        lost: ids.filter((id) => states.get(String(id))?.state !== "starting").length,
        calls: launches.filter((c) => !c.error).length,
        throttled: launches.filter((c) => c.error === "RequestLimitExceeded").length,
      };
    };

    // Wave 1: all queued at the edge while the core is paused, then it resumes.
    const first = Array.from({ length: n }, (_, i) => 8_000_001 + i);
    Deno.kill(core.pid, "SIGSTOP");
    try {
      await send(first);
    } finally {
      Deno.kill(core.pid, "SIGCONT");
    }
    const atOnce = await follow(first, performance.now(), 0);

    // Wave 2: the same again, arriving while the core runs, on refilled EC2 buckets.
    stack.ec2.setRateLimits("aws");
    const second = Array.from({ length: n }, (_, i) => 9_000_001 + i);
    const callsBefore = stack.ec2.calls.length;
    const secondStarted = performance.now();
    await send(second);
    const sentAfter = (performance.now() - secondStarted) / 1000;
    const trickle = await follow(second, secondStarted, callsBefore);
    const peak = memoryMb(core.pid);

    // One instance per job and one job per instance, over both waves: an instance
    // no job holds is a duplicate launch; an instance two jobs hold is a shared one
    // (which a count of machines minus jobs would read as 0 duplicates, 0 lost).
    const machines = stack.ec2.instances().length;
    const assignments = [...atOnce.assignedList, ...trickle.assignedList];
    const distinct = new Set(assignments).size;
    const shared = assignments.length - distinct;
    const duplicates = machines - distinct;
    return [
      {
        key: "burst.launch_calls",
        label: `EC2 launch calls, ${n} jobs over 4 pools queued at once (goal ≤ 15)`,
        value: atOnce.calls,
        unit: "calls",
      },
      {
        key: "burst.seconds_to_all_launched",
        label: "core resumed → every job has an instance",
        value: round(atOnce.seconds),
        unit: "s",
      },
      {
        key: "burst.launch_calls_throttled",
        label: "launch calls refused by EC2's rate limits (retried by the SDK)",
        value: atOnce.throttled + trickle.throttled,
        unit: "calls",
      },
      {
        key: "burst.trickle_seconds_to_send",
        label: `second wave: time to post ${n} webhooks to the edge`,
        value: round(sentAfter),
        unit: "s",
      },
      {
        key: "burst.trickle_launch_calls",
        label: "second wave (arriving while the core runs): EC2 launch calls",
        value: trickle.calls,
        unit: "calls",
      },
      {
        key: "burst.trickle_seconds_to_all_launched",
        label: "second wave: first webhook sent → every job has an instance",
        value: round(trickle.seconds),
        unit: "s",
      },
      {
        key: "burst.duplicates",
        label: "instances beyond one per job (both waves)",
        value: duplicates,
        unit: "instances",
        isCorrectness: true,
      },
      {
        key: "burst.shared_instances",
        label: "jobs assigned an instance another job also holds (both waves)",
        value: shared,
        unit: "jobs",
        isCorrectness: true,
      },
      {
        key: "burst.lost",
        label: "jobs without an instance (both waves)",
        value: atOnce.lost + trickle.lost,
        unit: "jobs",
        isCorrectness: true,
      },
      {
        key: "core.rss_idle_mb",
        label: "bundled core's RSS, idle (median, 10-15 s after start; goal < 100)",
        value: round(idle, 1),
        unit: "MB",
      },
      {
        key: "core.rss_peak_mb",
        label: "bundled core's peak RSS (VmHWM), both waves (goal < 200)",
        value: round(peak.peak, 1),
        unit: "MB",
      },
    ];
  } finally {
    await stack.close();
    await Deno.remove(new URL(".", `file://${bundle}`), { recursive: true });
  }
}
