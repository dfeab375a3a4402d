/**
 * The core's own metrics, in a prom-client registry: launches and their
 * failures by code, capacity retries waiting, EC2 and GitHub calls and
 * throttles, GitHub's rate-limit remaining, the write buffer's depth, event
 * loop lag and RSS. The core sends them (as JSON) on its control call; the
 * edge labels them with the core's id and serves them on `/metrics`.
 */
import { Counter, Gauge, Registry } from "prom-client";
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

export class CoreMetrics implements LaunchMetrics, CallMetrics {
  readonly registry = new Registry();
  readonly #launches: Counter<"pool">;
  readonly #failures: Counter<"code">;
  readonly #calls: Counter<"service" | "outcome">;
  readonly #loopLag: Gauge;

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
