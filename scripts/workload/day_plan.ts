/**
 * The workload's plan for one simulated day of CI, from a seed: when each
 * workflow run is queued and what its jobs will do (run short or long,
 * succeed, fail, be cancelled, have their `queued` webhook dropped), and when
 * EC2 misbehaves (a capacity shortage, a spot interruption). Pure: the same
 * options give the same plan; `simulator.ts` carries it out.
 *
 * The clock is compressed (a 24 h day in `dayMs`), job durations much less
 * so (seconds, not minutes), so a job can be watched running in the console.
 *
 * @module
 */
import { type SeededRandom, seededRandom } from "./seeded_random.ts";

/** A label set jobs ask for (`runs-on`), with how often they do. */
export interface JobTarget {
  name: string;
  labels: readonly string[];
  weight: number;
}

/** What to plan. */
export interface DayPlanOptions {
  seed: number;
  /** Wall-clock length of the simulated 24 hours, ms. */
  dayMs: number;
  /** Repositories (`owner/name`) runs happen in. */
  repos: readonly string[];
  targets: readonly JobTarget[];
  /** Instance types a capacity shortage may hit. */
  shortageTypes: readonly string[];
  /** Workflow runs in the day (default 160). */
  runsPerDay?: number;
  /** The simulated hour the day starts at (default 8: the morning rush comes first). */
  startHour?: number;
}

/** One job of a run, and its fate. */
export interface PlannedJob {
  name: string;
  labels: string[];
  /** How long it runs once a runner takes it, ms. */
  durationMs: number;
  conclusion: "success" | "failure";
  /** Cancelled this long after being queued (whatever state it is in then), or never. */
  cancelAfterMs: number | null;
  /** GitHub never delivers its `queued` webhook (it still appears in GitHub's API). */
  isWebhookDropped: boolean;
}

/** A workflow run is queued: all its jobs at once. */
export interface RunEvent {
  kind: "run";
  atMs: number;
  repo: string;
  workflow: string;
  branch: string;
  jobs: PlannedJob[];
}

/** EC2 answers InsufficientInstanceCapacity for these types for `ms`. */
export interface CapacityShortageEvent {
  kind: "capacity-shortage";
  atMs: number;
  ms: number;
  instanceTypes: string[];
}

/** EC2 reclaims one spot instance running a job; `pick` in [0, 1) chooses which. */
export interface SpotInterruptionEvent {
  kind: "spot-interruption";
  atMs: number;
  pick: number;
}

export type PlanEvent = RunEvent | CapacityShortageEvent | SpotInterruptionEvent;

/** A day: its events in time order, offsets in ms from the day's start. */
export interface DayPlan {
  seed: number;
  dayMs: number;
  startHour: number;
  events: PlanEvent[];
}

const MINUTES_PER_DAY = 24 * 60;

/** How busy CI is at a simulated hour, relative to the working-hours peak (1). */
export function activityAt(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  if (h < 6) return 0.08;
  if (h < 8) return 0.3;
  if (h < 12) return 1;
  if (h < 13) return 0.6;
  if (h < 18) return 1;
  if (h < 21) return 0.4;
  return 0.15;
}

/** The simulated wall-clock time (`HH:MM`) at `atMs` into the day. */
export function simulatedClock(plan: Pick<DayPlan, "dayMs" | "startHour">, atMs: number): string {
  const minutes = Math.floor(plan.startHour * 60 + (atMs / plan.dayMs) * MINUTES_PER_DAY) %
    MINUTES_PER_DAY;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

type Workflow = "CI" | "Tests" | "Docs" | "Nightly";

interface RunDraft {
  atMs: number;
  workflow: Workflow;
}

/** Plans one day from `options.seed`. */
export function planDay(options: DayPlanOptions): DayPlan {
  const random = seededRandom(options.seed);
  const startHour = options.startHour ?? 8;
  const runsPerDay = options.runsPerDay ?? 160;
  const msPerMinute = options.dayMs / MINUTES_PER_DAY;
  const hourAt = (minute: number) => (startHour + minute / 60) % 24;

  const drafts: RunDraft[] = [];
  // A merge queue flushing at the start, so the console fills at once.
  drafts.push({ atMs: 500, workflow: "Tests" });
  for (let i = 0; i < 3; i++) drafts.push({ atMs: 600 + i * 400, workflow: "CI" });

  // Runs arrive as a Poisson process whose rate follows the working day.
  let totalActivity = 0;
  for (let m = 0; m < MINUTES_PER_DAY; m++) totalActivity += activityAt(hourAt(m));
  const perActivityMinute = runsPerDay / totalActivity;
  for (let m = 0; m < MINUTES_PER_DAY; m++) {
    const expected = perActivityMinute * activityAt(hourAt(m));
    for (let n = poisson(random, expected); n > 0; n--) {
      const atMs = Math.max(2_500, (m + random.next()) * msPerMinute);
      drafts.push({ atMs, workflow: random.weighted(WORKFLOW_MIX, (w) => w.weight).workflow });
    }
  }
  // Merge trains: several runs within seconds, mid-morning and mid-afternoon.
  for (const hour of [10.5, 15]) {
    const atMs = minuteOf(hour, startHour) * msPerMinute;
    const trains = random.int(3, 5);
    for (let i = 0; i < trains; i++) {
      drafts.push({ atMs: atMs + i * 700, workflow: i === 0 ? "Tests" : "CI" });
    }
  }
  // The nightly build: a wide matrix of long jobs.
  drafts.push({ atMs: minuteOf(2, startHour) * msPerMinute, workflow: "Nightly" });

  const runs = drafts
    .filter((draft) => draft.atMs < options.dayMs)
    .sort((a, b) => a.atMs - b.atMs)
    .map((draft) => runOf(draft, random, options));
  markCancels(runs, random);
  markDroppedWebhooks(runs, random, options.dayMs);

  const faults: PlanEvent[] = [];
  const workingMs = (from: number, to: number) =>
    random.between(minuteOf(from, startHour), minuteOf(to, startHour)) * msPerMinute;
  for (let i = 0; i < 2; i++) {
    faults.push({
      kind: "capacity-shortage",
      atMs: workingMs(9, 17),
      ms: random.int(8_000, 20_000),
      instanceTypes: [options.shortageTypes[random.int(0, options.shortageTypes.length - 1)]],
    });
  }
  for (let i = 0, count = random.int(2, 4); i < count; i++) {
    faults.push({ kind: "spot-interruption", atMs: workingMs(9, 18), pick: random.next() });
  }

  const events = [...runs, ...faults.filter((e) => e.atMs < options.dayMs)]
    .sort((a, b) => a.atMs - b.atMs);
  return { seed: options.seed, dayMs: options.dayMs, startHour, events };
}

const WORKFLOW_MIX: { workflow: Workflow; weight: number }[] = [
  { workflow: "CI", weight: 60 },
  { workflow: "Tests", weight: 25 },
  { workflow: "Docs", weight: 15 },
];

/** Minutes from the day's start until the simulated `hour`. */
function minuteOf(hour: number, startHour: number): number {
  return (((hour - startHour) % 24 + 24) % 24) * 60;
}

function poisson(random: SeededRandom, mean: number): number {
  // Knuth's method; the means here are small (well under 1 per minute).
  const limit = Math.exp(-mean);
  let n = 0;
  for (let p = random.next(); p > limit; p *= random.next()) n++;
  return n;
}

const SHORT = [2_000, 8_000] as const;
const LONG = [15_000, 45_000] as const;

function runOf(draft: RunDraft, random: SeededRandom, options: DayPlanOptions): RunEvent {
  const repo = options.repos[random.int(0, options.repos.length - 1)];
  const target = random.weighted(options.targets, (t) => t.weight);
  const branch = random.chance(0.4) ? "main" : `feature/${random.int(100, 999)}`;
  const job = (name: string, range: readonly [number, number], labels = target.labels) => ({
    name,
    labels: [...labels],
    durationMs: Math.round(random.between(range[0], range[1])),
    conclusion: random.chance(0.08) ? "failure" as const : "success" as const,
    cancelAfterMs: null,
    isWebhookDropped: false,
  });
  const run = (workflow: string, jobs: PlannedJob[]): RunEvent => ({
    kind: "run",
    atMs: Math.round(draft.atMs),
    repo,
    workflow,
    branch: workflow === "Nightly" ? "main" : branch,
    jobs,
  });
  switch (draft.workflow) {
    case "CI": {
      const jobs = [job("lint", SHORT), job("unit", SHORT)];
      if (random.chance(0.5)) jobs.push(job("build", LONG));
      return run("CI", jobs);
    }
    case "Tests": {
      const versions = ["18", "20", "22"].slice(0, random.int(2, 3));
      const shards = random.int(2, 4);
      const range = random.chance(0.5) ? SHORT : LONG;
      return run(
        "Tests",
        versions.flatMap((node) =>
          Array.from({ length: shards }, (_, s) => job(`test (node ${node}, ${s + 1})`, range))
        ),
      );
    }
    case "Docs":
      return run("Docs", [job("docs", SHORT)]);
    case "Nightly": {
      // The nightly build always wants the big machines when there are any.
      const big = [...options.targets].sort((a, b) => b.labels.length - a.labels.length)[0];
      return run(
        "Nightly",
        Array.from({ length: 8 }, (_, i) => job(`e2e (${i + 1}/8)`, LONG, big.labels)),
      );
    }
  }
}

/**
 * About one run in 20 is superseded by a newer push and cancelled as a whole
 * (`concurrency: cancel-in-progress`); at least two a day: one still queued,
 * one mid-run.
 */
function markCancels(runs: RunEvent[], random: SeededRandom): void {
  const candidates = runs.map((run, index) => ({ run, index })).filter(({ run }) =>
    run.workflow !== "Nightly"
  );
  const chosen = candidates.filter(() => random.chance(0.05)).map(({ index }) => index);
  while (chosen.length < 2 && candidates.length >= 2) {
    const index = candidates[random.int(1, candidates.length - 1)].index;
    if (!chosen.includes(index)) chosen.push(index);
  }
  chosen.forEach((index, n) => {
    // Alternate: soon after queueing (before a runner takes it) or once running.
    const afterMs = n % 2 === 0 ? random.int(300, 800) : random.int(6_000, 12_000);
    for (const job of runs[index].jobs) {
      job.cancelAfterMs = afterMs;
      job.durationMs = Math.max(job.durationMs, LONG[0]);
    }
  });
}

/** One or two jobs a day whose `queued` webhook GitHub never delivers. */
function markDroppedWebhooks(runs: RunEvent[], random: SeededRandom, dayMs: number): void {
  const eligible = runs.flatMap((run) =>
    run.atMs > dayMs * 0.05 && run.jobs.every((job) => job.cancelAfterMs === null)
      ? run.jobs.map((job) => job)
      : []
  );
  for (const index of random.sample(eligible.length, random.int(1, 2))) {
    eligible[index].isWebhookDropped = true;
  }
}
