/**
 * The core's own metrics, in a prom-client registry: launches and their
 * failures by code, capacity retries waiting, EC2 and GitHub calls and
 * throttles, GitHub's rate-limit remaining, the write buffer's depth, event
 * loop lag and RSS; and, per pool, how long each stage of a started job took
 * and why it waited (shared/job_stages.ts). The core sends them (as JSON) on its control call; the
 * edge labels them with the core's id and serves them on `/metrics`.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { StageSegment } from "../../shared/job_stages.ts";
import { MetricFamily } from "../../shared/schema/control.ts";

/** Where the gauges read their values when the registry is collected. */
export interface CoreGaugeSources {
  /** Jobs backing off after a launch that gave them no machine. */
  retriesWaiting: () => number;
  /** Writes held in the local buffer, not yet in libSQL. */
  bufferDepth: () => Promise<number>;
  /** Resident set size, bytes. */
  rss: () => number;
  /** GitHub API calls left in the tightest rate-limit window; null before the first call. */
  githubRateRemaining: () => number | null;
}

/** What the launcher counts. */
export interface LaunchMetrics {
  launched(pool: string, machines: number): void;
  failed(code: string, jobs: number): void;
}

/** What the EC2 and GitHub adapters count. */
export interface CallMetrics {
  call(service: "ec2" | "github", outcome: "ok" | "throttled" | "error"): void;
}

/** What the job-event handler reports when a job starts: where its wait went. */
export interface StageMetrics {
  jobStarted(pool: string, segments: readonly StageSegment[]): void;
}

/** Stage buckets, seconds: a lease takes milliseconds, a cold boot tens of seconds. */
const STAGE_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 300];

export class CoreMetrics implements LaunchMetrics, CallMetrics, StageMetrics {
  readonly registry = new Registry();
  readonly #launches: Counter<"pool">;
  readonly #failures: Counter<"code">;
  readonly #calls: Counter<"service" | "outcome">;
  readonly #loopLag: Gauge;
  readonly #stages: Histogram<"pool" | "stage" | "party">;
  readonly #waits: Counter<"pool" | "reason">;

  constructor(sources: CoreGaugeSources) {
    const registers = [this.registry];
    this.#launches = new Counter({
      name: "gantry_core_launches_total",
      help: "Machines launched, by pool.",
      labelNames: ["pool"],
      registers,
    });
    this.#failures = new Counter({
      name: "gantry_core_launch_failures_total",
      help: "Jobs a launch gave no machine, by the provider's error code.",
      labelNames: ["code"],
      registers,
    });
    this.#calls = new Counter({
      name: "gantry_core_api_calls_total",
      help: "Calls to EC2 and GitHub by outcome (throttled: the service asked us to slow down).",
      labelNames: ["service", "outcome"],
      registers,
    });
    new Gauge({
      name: "gantry_core_github_rate_limit_remaining",
      help: "GitHub API requests left in the tightest rate-limit window, as last answered.",
      registers,
      collect() {
        const remaining = sources.githubRateRemaining();
        if (remaining !== null) this.set(remaining);
      },
    });
    this.#stages = new Histogram({
      name: "gantry_core_job_stage_seconds",
      help: "Started jobs: the time from the stage before to this one, by pool, stage and " +
        "whose time it was (github, gantry, provider, runner).",
      labelNames: ["pool", "stage", "party"],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.#waits = new Counter({
      name: "gantry_core_job_waits_total",
      help: "Started jobs that waited, by pool and reason (a job counts once per reason).",
      labelNames: ["pool", "reason"],
      registers,
    });
    this.#loopLag = new Gauge({
      name: "gantry_core_event_loop_lag_seconds",
      help: "How late the last event-loop probe timer fired.",
      registers,
    });
    new Gauge({
      name: "gantry_core_capacity_retries_waiting",
      help: "Jobs waiting to retry after a launch found no capacity.",
      registers,
      collect() {
        this.set(sources.retriesWaiting());
      },
    });
    new Gauge({
      name: "gantry_core_write_buffer_depth",
      help: "Writes held in the core's local buffer, not yet in libSQL.",
      registers,
      async collect() {
        this.set(await sources.bufferDepth().catch(() => 0));
      },
    });
    new Gauge({
      name: "gantry_core_resident_memory_bytes",
      help: "The core process's resident set size.",
      registers,
      collect() {
        this.set(sources.rss());
      },
    });
  }

  launched(pool: string, machines: number): void {
    if (machines > 0) this.#launches.inc({ pool }, machines);
  }

  failed(code: string, jobs: number): void {
    if (jobs > 0) this.#failures.inc({ code }, jobs);
  }

  call(service: "ec2" | "github", outcome: "ok" | "throttled" | "error"): void {
    this.#calls.inc({ service, outcome });
  }

  jobStarted(pool: string, segments: readonly StageSegment[]): void {
    for (const segment of segments) {
      this.#stages.observe(
        { pool, stage: segment.to, party: segment.party },
        segment.durationMs / 1000,
      );
    }
    for (const reason of new Set(segments.flatMap((segment) => segment.reasons))) {
      this.#waits.inc({ pool, reason });
    }
  }

  /** The event loop's lag, as a probe measured it (see {@link probeEventLoopLag}). */
  loopLag(seconds: number): void {
    this.#loopLag.set(seconds);
  }

  /** The metric families, as the control call carries them. */
  async snapshot(): Promise<MetricFamily[]> {
    return MetricFamily.array().parse(await this.registry.getMetricsAsJSON());
  }
}

/**
 * Measures how late a timer fires, every `intervalMs`, until `signal`
 * aborts: a loop busy with synchronous work fires it late.
 */
export function probeEventLoopLag(
  report: (seconds: number) => void,
  options: { intervalMs: number; signal: AbortSignal },
): void {
  let expected = performance.now() + options.intervalMs;
  const timer = setInterval(() => {
    const now = performance.now();
    report(Math.max(0, now - expected) / 1000);
    expected = now + options.intervalMs;
  }, options.intervalMs);
  options.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
