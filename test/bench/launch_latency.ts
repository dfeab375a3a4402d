/**
 * Webhook accepted → EC2 launch call: the orchestration overhead, with
 * instant emulated AWS. The real processes run (edge in workerd, libSQL
 * server, EC2 emulator, GitHub fake, the core process); `queued` webhooks go
 * out at a steady rate, open loop. A job's latency runs from its webhook's 2xx
 * to the arrival of the launch call that started its instance, as the emulator
 * recorded it (each instance carries its launch call's arrival time as
 * `launchedAt`; same process, same clock as the webhook's answer).
 *
 * The core paces its GitHub writes (one JIT config per job) to GitHub's
 * secondary limit, 3/s by default, which alone would cap this run at 3 jobs/s
 * and measure a queue; the fake has no such limit, so the bench lifts the
 * pacing to measure the orchestration itself.
 *
 * A job that arrives while nothing else waits launches at once; the batch
 * window (200 ms, set below) only applies while a burst is being leased.
 *
 * EC2's own rate limits are off here, as GitHub's pacing is: one launch call
 * per job at 10/s is past what EC2 documents for CreateFleet (50 calls, then
 * 5/s), and the bench measures Gantry, not the limit. The burst bench runs
 * with the limits on.
 */
import { type Client, createClient } from "@libsql/client/web";
import { INSTALLATION_ID, startLocalStack } from "../../scripts/workload/local_stack.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";
import { type BenchOptions, type Figure, percentile, round } from "./figure.ts";

const WEBHOOK_SECRET = "bench-webhook-secret";
const RATE_PER_S = 10;
const BATCH_WINDOW_MS = 200;
const FIRST_JOB_ID = 3_000_000;
const REPO = "octocat/hello-world";
/** How long after the last webhook every job must have launched. */
const DRAIN_MS = 60_000;

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

/** Where the time went, p50 / p99 ms per step, each from the step before (the 2xx, first). */
async function describeSteps(
  db: Client,
  acceptedAt: ReadonlyMap<string, number>,
  launched: ReadonlyMap<string, string>,
  launchedAt: ReadonlyMap<string, number>,
): Promise<string> {
  const rows = await db.execute(
    `SELECT job_id, stage, at FROM job_stages WHERE stage IN ('leased', 'launch_sent')
     UNION ALL SELECT id, 'claimed', claimed_at FROM jobs WHERE claimed_at IS NOT NULL`,
  );
  const at = new Map<string, Record<string, number>>();
  for (const row of rows.rows) {
    const id = String(row.job_id);
    at.set(id, { ...at.get(id), [String(row.stage)]: Number(row.at) });
  }
  const steps = ["leased", "claimed", "launch_sent", "ec2"] as const;
  const samples = new Map<string, number[]>(steps.map((step) => [step, []]));
  for (const [jobId, accepted] of acceptedAt) {
    const instanceId = launched.get(jobId);
    const stages: Record<string, number | undefined> = {
      ...at.get(jobId),
      ec2: instanceId ? launchedAt.get(instanceId) : undefined,
    };
    let previous = accepted;
    for (const step of steps) {
      const value = stages[step];
      if (value === undefined) continue;
      samples.get(step)!.push(value - previous);
      previous = value;
    }
  }
  const parts = steps.map((step) => {
    const values = samples.get(step)!;
    return values.length === 0
      ? `${step} –`
      : `${step} ${round(percentile(values, 50), 0)} / ${round(percentile(values, 99), 0)}`;
  });
  return `bench: launch: by step from the 2xx, p50 / p99 ms: ${parts.join(", ")}`;
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const count = options.isQuick ? 100 : 1_000;
  const stack = await startLocalStack({
    stateDir: await Deno.makeTempDir({ prefix: "gantry-bench-launch-" }),
    repos: [REPO],
    pools: [{ name: "small", instance_types: ["t3.small"], default: true }],
    webhookSecret: WEBHOOK_SECRET,
    sessionSecret: "bench-session-secret-0123456789abcdef",
    scheduler: { batch_window_ms: BATCH_WINDOW_MS },
    github: { writes_per_second: 1000 },
  });
  stack.ec2.setRateLimits("off");
  const db = createClient({ url: stack.libsql.url });
  try {
    const payloads = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        workflowJobPayload({
          action: "queued",
          jobId: FIRST_JOB_ID + i,
          repo: REPO,
          labels: ["self-hosted", "my-app"],
          installationId: INSTALLATION_ID,
        })),
    );
    const acceptedAt = new Map<string, number>();
    const startedAt = performance.now();
    await Promise.all(payloads.map(async (payload, i) => {
      await sleepUntil(startedAt + (i * 1000) / RATE_PER_S);
      const response = await postWebhook(stack.edge.url, payload, { secret: WEBHOOK_SECRET });
      const at = Date.now();
      const body = await response.text();
      if (!response.ok) throw new Error(`webhook ${i}: ${response.status} ${body}`);
      acceptedAt.set(String(FIRST_JOB_ID + i), at);
    }));

    // Wait for every job's instance; then read each launch's time from the emulator.
    const deadline = Date.now() + DRAIN_MS;
    let launched = new Map<string, string>();
    while (Date.now() < deadline) {
      const rows = await db.execute(
        "SELECT id, instance_id FROM jobs WHERE instance_id IS NOT NULL AND id >= ?",
        [String(FIRST_JOB_ID)],
      );
      launched = new Map(rows.rows.map((row) => [String(row.id), String(row.instance_id)]));
      if (launched.size >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const launchedAt = new Map(stack.ec2.instances().map((i) => [i.instanceId, i.launchedAt]));
    const latencies: number[] = [];
    for (const [jobId, accepted] of acceptedAt) {
      const instanceId = launched.get(jobId);
      const at = instanceId ? launchedAt.get(instanceId) : undefined;
      if (at !== undefined) latencies.push(at - accepted);
    }
    console.error(await describeSteps(db, acceptedAt, launched, launchedAt));
    const window = `burst window ${BATCH_WINDOW_MS} ms, GitHub writes and EC2 limits off`;
    return [
      {
        key: "launch.count",
        label: `launch: jobs at ${RATE_PER_S}/s, webhook 2xx → launch call`,
        value: latencies.length,
        unit: "jobs",
      },
      {
        key: "launch.p50_ms",
        label: `launch: webhook 2xx → EC2 launch call p50 (${window})`,
        value: round(percentile(latencies, 50)),
        unit: "ms",
      },
      {
        key: "launch.p99_ms",
        label: `launch: webhook 2xx → EC2 launch call p99 (${window})`,
        value: round(percentile(latencies, 99)),
        unit: "ms",
      },
      {
        key: "launch.lost",
        label: `launch: accepted, not launched ${DRAIN_MS / 1000} s after the last webhook`,
        value: count - latencies.length,
        unit: "jobs",
        isCorrectness: true,
      },
    ];
  } catch (error) {
    console.error(`core output:\n${stack.core.output().slice(-3000)}`);
    throw error;
  } finally {
    db.close();
    await stack.stop();
  }
}
