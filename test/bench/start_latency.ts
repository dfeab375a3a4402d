/**
 * Start latency with EC2 modelled (issue 12.3): queued → job started per
 * kind of pool, through the real parts (the edge in workerd, the core
 * process, libSQL) and the fakes with the start model's timings
 * (test/support/ec2/timings.ts): pending → running 16 s, start from
 * stopped 5 s, OS boot 3 s, runner start-up 4 s, GitHub's assignment 2 s,
 * each ± 20 %, seeded. Simulated runners (test/support/simulated_runners.ts)
 * boot every instance once it runs, fetch their JIT config from the edge's
 * runner vault, report `booted` and `runner-started`, and GitHub hands each
 * queued job to an idle runner after its assignment delay.
 *
 * The modelled delays play at a tenth of their length, so 300 jobs a kind
 * take minutes; Gantry runs at its own speed. A job's simulated wait counts
 * each modelled delay at its simulated length and every other real
 * millisecond as itself (start_accounting.ts): Gantry's real 150 ms stays
 * 150 ms, where dividing the whole wait by the scale would have made it
 * 1.5 s. Gantry's share (webhook → launch call sent, plus the vault's
 * hand-out) is measured in real ms, never scaled. What the harness itself
 * spends (its timers firing late, HTTP on a loaded machine) cannot be told
 * apart and counts as Gantry's, so the figures err slow. One thing the
 * scale does distort: Gantry's work that overlaps a modelled delay (the JIT
 * config deposited while the instance is pending) has a tenth of the time
 * to hide in; if it sticks out, it is counted.
 *
 * Jobs arrive one at a time, 0.6 s apart on the wall clock (6 simulated
 * seconds): a steady trickle, not a burst (the burst bench measures that),
 * and under EC2's documented API rates on the real clock (CreateFleet and
 * TerminateInstances refill at 5/s, StartInstances at 2/s), which stay on.
 *
 * Kinds:
 * - **cold**: a pool with no warm runners; every job launches an instance.
 * - **hot**: `min_idle` registered idle runners; GitHub gives the job to one.
 * - **stopped**: `stopped_min` instances booted once, prepared and, the pool
 *   having one instance type, hibernated; a job starts one (StartInstances),
 *   which resumes without an OS boot, and the pool launches its replacement.
 */
import { createClient } from "@libsql/client/web";
import { REPO, startCoreProcessStack } from "../support/core_process_stack.ts";
import {
  EC2_START_MEANS_MS,
  StartTimings,
  type StartTimingsConfig,
} from "../support/ec2/timings.ts";
import { type RunnerBoot, SimulatedRunners } from "../support/simulated_runners.ts";
import { type BenchOptions, type Figure, percentile, round } from "./figure.ts";
import { gantryShareMs, splitWait, summarize } from "./start_accounting.ts";

/** One kind of pool the bench starts jobs on. */
export interface StartKind {
  name: string;
  /** The pool's own keys in gantry.yaml, beyond those every kind shares. */
  pool: Record<string, unknown>;
  /** Issue 12's goal for queued → started p50, simulated seconds. */
  goalP50S: number;
  /**
   * What the pool must hold before the first job: a hot pool's runners idle
   * in GitHub, a stopped pool's instances stopped in EC2.
   */
  readyWhen?: { idleRunners?: number; stoppedInstances?: number };
}

const HOT_IDLE = 10;
/** Jobs come every 6 simulated s; a replacement takes about 30 s to prepare. */
const STOPPED_MIN = 10;
/** Jobs run and left out of the figures before the measured ones. */
const WARM_UP_JOBS = 3;

/** The kinds measured, in order. */
export const KINDS: readonly StartKind[] = [
  { name: "cold", pool: {}, goalP50S: 25 },
  {
    name: "stopped",
    // One instance type: the pool hibernates its instances (shared/launch/standby_wait.ts).
    pool: { stopped_min: STOPPED_MIN, instance_types: ["m5.large"] },
    goalP50S: 12,
    readyWhen: { stoppedInstances: STOPPED_MIN },
  },
  {
    name: "hot",
    pool: { min_idle: HOT_IDLE },
    goalP50S: 5,
    readyWhen: { idleRunners: HOT_IDLE },
  },
];

/** Issue 12's goal for Gantry's own share, every kind. */
const GANTRY_SHARE_GOAL_MS = 1_000;

/** How one kind is run. */
export interface StartRunOptions {
  jobs: number;
  /** Real ms between two jobs' queued webhooks. */
  spacingMs: number;
  timings: StartTimingsConfig;
  /** How long a job runs once started, real ms; default 1,000. */
  jobMs?: number;
  /** How long after the last job every job must have started, real ms; default 60 s. */
  drainMs?: number;
  /** Jobs run first and left out of the figures; default 3. */
  warmUpJobs?: number;
}

/** One job's figures, for the bench's table and the arithmetic test. */
export interface MeasuredJob {
  jobId: number;
  /** Queued → started, simulated ms. */
  waitMs: number;
  /** Simulated ms of modelled delay in the wait. */
  modelledMs: number;
  /** Real ms of the wait outside every modelled delay. */
  unmodelledMs: number;
  /** Gantry's own share, real ms. */
  gantryShareMs: number;
  /** Whether the runner that took it was launched (or started) for it after it was queued. */
  hadOwnRunner: boolean;
  /**
   * Where Gantry's share went, real ms from the step before (queued, for the
   * first): the edge took the webhook, the core leased it, claimed it, sent
   * its launch call; then the vault's hand-out. A step not seen is absent.
   */
  gantrySteps: Partial<Record<GantryStep, number>>;
}

/** The steps of Gantry's share, in order. */
export const GANTRY_STEPS = [
  "webhook_received",
  "leased",
  "claimed",
  "launch_sent",
  "vault",
] as const;
export type GantryStep = typeof GANTRY_STEPS[number];

export interface KindResult {
  kind: string;
  jobs: MeasuredJob[];
  /** Jobs that never started within the drain. */
  lost: number;
  boots: RunnerBoot[];
}

const BENCH_TIMINGS: StartTimingsConfig = {
  meansMs: EC2_START_MEANS_MS,
  jitter: 0.2,
  seed: 12,
  scale: 0.1,
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`start bench: never happened: ${what}`);
    await sleep(50);
  }
}

/** Runs `options.jobs` jobs on a fresh stack with one pool of `kind`; returns each job's figures. */
export async function measureKind(kind: StartKind, options: StartRunOptions): Promise<KindResult> {
  const timings = new StartTimings(options.timings);
  const stack = await startCoreProcessStack({
    pools: [{
      name: kind.name,
      ami: "ami-0abcdef1234567890",
      instance_types: ["m5.large"],
      subnets: ["subnet-aaa111", "subnet-bbb222"],
      security_groups: ["sg-0123"],
      ...kind.pool,
    }],
    // The warm pool's tick (and the reaper's) every second, not every 30: the core's own
    // timers run on the wall clock, and a 30 s tick would be 5 simulated minutes here.
    scheduler: { reap_interval_seconds: 1 },
    emulator: { durations: timings.emulatorDurations() },
  });
  const log: string[] = [];
  const runners = new SimulatedRunners({
    ec2: stack.ec2,
    github: stack.github,
    edgeUrl: stack.edge.url,
    webhookSecret: stack.webhookSecret,
    installationId: 1,
    timings,
    log: (line) => log.push(line),
    jobMs: options.jobMs,
  });
  const db = createClient({ url: stack.libsql.url });
  try {
    await stack.startCore();
    const labels = ["self-hosted", "my-app", kind.name];
    const isStarted = () => runners.jobs().every((job) => job.startedAt !== undefined);
    // A core runs for weeks: its first launch (modules loaded lazily, the launch template
    // created, the first SDK and GitHub connections) is not what a job usually meets.
    for (let i = 0; i < (options.warmUpJobs ?? WARM_UP_JOBS); i++) runners.queue(REPO, labels);
    await until("the warm-up jobs started", isStarted, 120_000);
    const warmUp = new Set(runners.jobs().map((job) => job.jobId));
    const { idleRunners = 0, stoppedInstances = 0 } = kind.readyWhen ?? {};
    // Stopped means the core has seen it stopped (its tick), not only EC2.
    const stoppedNow = async () =>
      Number(
        (await db.execute(
          "SELECT count(*) AS n FROM instances WHERE standby = 'stopped' AND terminated_at IS NULL",
        )).rows[0].n,
      );
    await until(
      `${idleRunners} idle runners and ${stoppedInstances} stopped instances`,
      async () =>
        runners.actions.stats().idleRunners >= idleRunners &&
        (stoppedInstances === 0 || await stoppedNow() >= stoppedInstances),
      120_000,
    );
    const firstAt = performance.now();
    for (let i = 0; i < options.jobs; i++) {
      await sleep(firstAt + i * options.spacingMs - performance.now());
      runners.queue(REPO, labels);
    }
    await until("every job started", isStarted, options.drainMs ?? 60_000).catch(() => {});

    const jobs = runners.jobs().filter((job) => !warmUp.has(job.jobId));
    const stageRows = await db.execute(
      `SELECT job_id, stage, at FROM job_stages
        WHERE stage IN ('webhook_received', 'leased', 'launch_sent')
       UNION ALL SELECT id, 'claimed', claimed_at FROM jobs WHERE claimed_at IS NOT NULL`,
    );
    const stagesOf = new Map<number, Partial<Record<GantryStep, number>>>();
    for (const row of stageRows.rows) {
      const id = Number(row.job_id);
      stagesOf.set(id, { ...stagesOf.get(id), [String(row.stage)]: Number(row.at) });
    }
    const bootOf = new Map(runners.boots.map((boot) => [boot.runnerName, boot]));
    const measured: MeasuredJob[] = [];
    for (const job of jobs) {
      if (job.startedAt === undefined) continue;
      const boot = bootOf.get(job.runnerName);
      const stages = stagesOf.get(job.jobId) ?? {};
      const spans = [...(boot?.spans ?? []), ...(job.assignment ? [job.assignment] : [])];
      const { modelledMs, unmodelledMs } = splitWait({
        queuedAt: job.queuedAt,
        startedAt: job.startedAt,
        spans,
      });
      measured.push({
        jobId: job.jobId,
        waitMs: modelledMs + unmodelledMs,
        modelledMs,
        unmodelledMs,
        gantryShareMs: gantryShareMs({
          queuedAt: job.queuedAt,
          launchSentAt: stages.launch_sent,
          vaultMs: boot?.vaultMs,
        }),
        hadOwnRunner: boot !== undefined && boot.spans[0].from >= job.queuedAt,
        gantrySteps: stepsOf(job.queuedAt, stages, boot?.vaultMs),
      });
    }
    return {
      kind: kind.name,
      jobs: measured,
      lost: jobs.length - measured.length,
      boots: [...runners.boots],
    };
  } catch (error) {
    console.error(`core output:\n${stack.core()?.output().slice(-3000)}`);
    console.error(`simulation:\n${log.slice(-20).join("\n")}`);
    throw error;
  } finally {
    await runners.stop();
    db.close();
    await stack.close();
  }
}

/** Each step's real ms from the step seen before it (the job's queueing, for the first). */
function stepsOf(
  queuedAt: number,
  stages: Partial<Record<GantryStep, number>>,
  vaultMs: number | undefined,
): Partial<Record<GantryStep, number>> {
  const steps: Partial<Record<GantryStep, number>> = {};
  let previous = queuedAt;
  for (const step of GANTRY_STEPS) {
    const at = stages[step];
    if (step === "vault" || at === undefined) continue;
    steps[step] = at - previous;
    previous = at;
  }
  if (vaultMs !== undefined) steps.vault = vaultMs;
  return steps;
}

/** One line per kind: each step of Gantry's share, p50 / p99, for the reader of a slow figure. */
function describeSteps(result: KindResult): string {
  const parts = GANTRY_STEPS.map((step) => {
    const samples = result.jobs.flatMap((job) => job.gantrySteps[step] ?? []);
    if (samples.length === 0) return `${step} –`;
    return `${step} ${round(percentile(samples, 50), 0)} / ${round(percentile(samples, 99), 0)}`;
  });
  return `bench: start: ${result.kind}: Gantry's share by step, p50 / p99 ms: ${parts.join(", ")}`;
}

/** The figures of one kind, labelled with issue 12's goals. */
function figuresOf(kind: StartKind, result: KindResult): Figure[] {
  const summary = summarize(
    result.jobs.map((job) => job.waitMs),
    result.jobs.map((job) => job.gantryShareMs),
  );
  const key = `start.${kind.name}`;
  return [
    {
      key: `${key}.p50_s`,
      label: `start: ${kind.name} pool, queued → job started p50 (goal ≤ ${kind.goalP50S} s)`,
      value: round(summary.p50S),
      unit: "sim s",
    },
    {
      key: `${key}.p95_s`,
      label: `start: ${kind.name} pool, queued → job started p95`,
      value: round(summary.p95S),
      unit: "sim s",
    },
    {
      key: `${key}.gantry_share_p99_ms`,
      label: `start: ${kind.name} pool, Gantry's share p99 (goal < ${GANTRY_SHARE_GOAL_MS} ms)`,
      value: round(summary.gantryShareP99Ms),
      unit: "ms",
    },
    {
      key: `${key}.gantry_share_p50_ms`,
      label: `start: ${kind.name} pool, Gantry's share p50`,
      value: round(percentile(result.jobs.map((job) => job.gantryShareMs), 50)),
      unit: "ms",
    },
    {
      key: `${key}.lost`,
      label: `start: ${kind.name} pool, jobs never started (of ${
        result.jobs.length + result.lost
      })`,
      value: result.lost,
      unit: "jobs",
      isCorrectness: true,
    },
  ];
}

export async function run(options: BenchOptions): Promise<Figure[]> {
  const runOptions: StartRunOptions = {
    jobs: options.isQuick ? 40 : 300,
    spacingMs: 600,
    timings: BENCH_TIMINGS,
  };
  const figures: Figure[] = [];
  const shares: number[] = [];
  for (const kind of KINDS) {
    console.error(`bench: start: ${runOptions.jobs} jobs on a ${kind.name} pool …`);
    const result = await measureKind(kind, runOptions);
    console.error(describeSteps(result));
    figures.push(...figuresOf(kind, result));
    shares.push(...result.jobs.map((job) => job.gantryShareMs));
  }
  const summary = summarize([], shares);
  figures.push(
    {
      key: "start.gantry_share.p99_ms",
      label: `start: Gantry's share p99, every kind (webhook → launch call + vault; goal < ${
        GANTRY_SHARE_GOAL_MS / 1000
      } s)`,
      value: round(summary.gantryShareP99Ms),
      unit: "ms",
    },
    {
      key: "start.load_avg_1m",
      label: "start: this machine's 1-minute load average as the runs ended",
      value: round(Deno.loadavg()[0]),
      unit: "",
    },
  );
  return figures;
}
