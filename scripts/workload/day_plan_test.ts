import assert from "node:assert/strict";
import {
  activityAt,
  type DayPlan,
  type DayPlanOptions,
  planDay,
  type RunEvent,
  simulatedClock,
} from "./day_plan.ts";

const OPTIONS: DayPlanOptions = {
  seed: 42,
  dayMs: 10 * 60_000,
  repos: ["octocat/hello-world", "octocat/spoon-knife"],
  targets: [
    { name: "default", labels: ["self-hosted", "my-app"], weight: 2 },
    { name: "large", labels: ["self-hosted", "my-app", "large"], weight: 1 },
  ],
  shortageTypes: ["t3.small", "m5.large"],
};

const runsOf = (plan: DayPlan) => plan.events.filter((e): e is RunEvent => e.kind === "run");
const jobsOf = (plan: DayPlan) => runsOf(plan).flatMap((run) => run.jobs);

Deno.test("the same seed plans the same day; another seed another day", () => {
  assert.deepEqual(planDay(OPTIONS), planDay(OPTIONS));
  assert.notDeepEqual(planDay(OPTIONS), planDay({ ...OPTIONS, seed: 43 }));
});

Deno.test("events are in time order and inside the day", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const plan = planDay({ ...OPTIONS, seed });
    const times = plan.events.map((e) => e.atMs);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok(times.every((t) => t >= 0 && t < OPTIONS.dayMs), `seed ${seed}`);
  }
});

Deno.test("jobs are queued within the first seconds, as a burst", () => {
  const plan = planDay(OPTIONS);
  const early = runsOf(plan).filter((run) => run.atMs < 2_000);
  assert.ok(early.reduce((n, run) => n + run.jobs.length, 0) >= 6);
});

Deno.test("a day has matrix bursts, short and long jobs, and a nightly build", () => {
  const plan = planDay(OPTIONS);
  const matrices = runsOf(plan).filter((run) => run.jobs.length >= 4);
  assert.ok(matrices.length >= 5, `${matrices.length} matrix runs`);
  const durations = jobsOf(plan).map((job) => job.durationMs);
  assert.ok(durations.some((ms) => ms < 8_000) && durations.some((ms) => ms >= 15_000));
  assert.equal(runsOf(plan).filter((run) => run.workflow === "Nightly").length, 1);
  const jobs = jobsOf(plan).length;
  assert.ok(jobs > 200 && jobs < 1_000, `${jobs} jobs`);
});

Deno.test("every job asks for one of the targets' label sets, in a known repo", () => {
  const labelSets = OPTIONS.targets.map((t) => JSON.stringify(t.labels));
  for (const run of runsOf(planDay(OPTIONS))) {
    assert.ok(OPTIONS.repos.includes(run.repo));
    for (const job of run.jobs) assert.ok(labelSets.includes(JSON.stringify(job.labels)));
  }
});

Deno.test("whole runs are cancelled, at least one while queued and one while running", () => {
  for (const seed of [1, 7, 42]) {
    const cancelled = runsOf(planDay({ ...OPTIONS, seed })).filter((run) =>
      run.jobs.some((job) => job.cancelAfterMs !== null)
    );
    assert.ok(cancelled.length >= 2, `seed ${seed}`);
    for (const run of cancelled) {
      assert.equal(new Set(run.jobs.map((job) => job.cancelAfterMs)).size, 1, "the whole run");
      // A cancel while running must come before the job would have finished.
      assert.ok(run.jobs.every((job) => job.cancelAfterMs! < job.durationMs));
    }
    const afters = cancelled.map((run) => run.jobs[0].cancelAfterMs!);
    assert.ok(afters.some((ms) => ms < 1_000) && afters.some((ms) => ms > 5_000), `seed ${seed}`);
  }
});

Deno.test("one or two queued webhooks are dropped, never for a cancelled job", () => {
  for (const seed of [1, 7, 42, 99]) {
    const dropped = jobsOf(planDay({ ...OPTIONS, seed })).filter((job) => job.isWebhookDropped);
    assert.ok(dropped.length >= 1 && dropped.length <= 2, `seed ${seed}: ${dropped.length}`);
    assert.ok(dropped.every((job) => job.cancelAfterMs === null));
  }
});

Deno.test("a few spot interruptions and capacity shortages, in working hours", () => {
  const plan = planDay(OPTIONS);
  const spots = plan.events.filter((e) => e.kind === "spot-interruption");
  const shortages = plan.events.filter((e) => e.kind === "capacity-shortage");
  assert.ok(spots.length >= 2 && spots.length <= 4);
  assert.equal(shortages.length, 2);
  for (const event of [...spots, ...shortages]) {
    const hour = Number(simulatedClock(plan, event.atMs).slice(0, 2));
    assert.ok(hour >= 9 && hour < 18, `fault at ${simulatedClock(plan, event.atMs)}`);
  }
  for (const shortage of shortages) {
    if (shortage.kind !== "capacity-shortage") continue;
    assert.ok(OPTIONS.shortageTypes.includes(shortage.instanceTypes[0]));
    assert.ok(shortage.ms >= 8_000 && shortage.ms <= 20_000);
  }
});

Deno.test("working hours are busier than the night", () => {
  const plan = planDay({ ...OPTIONS, runsPerDay: 400 });
  const hourOf = (run: RunEvent) => Number(simulatedClock(plan, run.atMs).slice(0, 2));
  const runs = runsOf(plan).filter((run) => run.workflow !== "Nightly" && run.atMs > 3_000);
  const working = runs.filter((run) => hourOf(run) >= 9 && hourOf(run) < 12).length;
  const night = runs.filter((run) => hourOf(run) >= 0 && hourOf(run) < 3).length;
  assert.ok(working > night * 4, `09–12: ${working} runs, 00–03: ${night}`);
  assert.equal(activityAt(10), 1);
  assert.ok(activityAt(3) < activityAt(19));
});

Deno.test("the simulated clock starts at the start hour and wraps at midnight", () => {
  const plan = { dayMs: 24 * 60_000, startHour: 8 };
  assert.equal(simulatedClock(plan, 0), "08:00");
  assert.equal(simulatedClock(plan, 90_000), "09:30");
  assert.equal(simulatedClock(plan, 16 * 60_000 + 5 * 1000), "00:05");
});
