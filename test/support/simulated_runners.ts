/**
 * Runners and GitHub that take the time the start model says
 * (ec2/timings.ts), for the start bench: every instance the EC2 emulator
 * puts in pending (launched, or started from stopped) is played from the
 * moment it is running — the OS boots (a stopped pool's instance, on its
 * first boot, then only installs the runner and reports `prepared`, as the
 * boot script does; one resumed from hibernation skips the OS boot and the
 * install and goes on with the boot script's wait for its config), the
 * instance fetches its JIT config
 * from the edge's runner vault and reports `booted` as the real boot script
 * does (core/runner/user_data.ts, played by {@link RunnerAgent}), the runner
 * starts up and reports `runner-started`, and goes online in GitHub — and
 * GitHub ({@link SimulatedActions} over the GitHub fake) hands a matching
 * queued job to an idle runner after its assignment delay, which sends the
 * job's `in_progress` webhook.
 *
 * Every modelled delay is recorded as a {@link ModelledSpan}: where it lay
 * on the wall clock and how long it stands for, so the bench can turn a
 * job's real wait back into simulated time (test/bench/start_accounting.ts).
 *
 * @module
 */
import {
  credentialsOf,
  type RegisteredRunner,
  RunnerAgent,
} from "../../scripts/workload/runner_agent.ts";
import { SimulatedActions } from "../../scripts/workload/simulated_actions.ts";
import type { Ec2Emulator, PendingEvent } from "./ec2/emulator.ts";
import type { StartPhase, StartTimings } from "./ec2/timings.ts";
import type { GithubFake } from "./github/fake.ts";

/** A modelled delay as played: real epoch ms `[from, to]`, standing for `simulatedMs`. */
export interface ModelledSpan {
  phase: StartPhase;
  from: number;
  to: number;
  simulatedMs: number;
}

/** One boot of an instance (a stopped instance boots again on every start). */
export interface RunnerBoot {
  instanceId: string;
  cause: PendingEvent["cause"];
  /** Pending (or start), OS boot, runner start-up: in that order, as far as it got. */
  spans: ModelledSpan[];
  /** Real ms from the first config request to the config: the vault's hand-out, 404 retries included. */
  vaultMs?: number;
  /** The runner its JIT config registered. */
  runnerName?: string;
  /** Why the boot stopped short (the edge refused it, not a Gantry runner, stopped). */
  error?: string;
  /** A stopped pool's first boot: it installed the runner, reported `prepared` and ran no job. */
  isPreparation?: boolean;
}

/** A job as GitHub saw it, on the wall clock. */
export interface JobStart {
  jobId: number;
  /** When GitHub queued it (its `queued` webhook went out at once), epoch ms. */
  queuedAt: number;
  /** When a runner took it (its `in_progress` webhook went out), epoch ms. */
  startedAt?: number;
  runnerName?: string;
  /** GitHub's assignment delay before it started. */
  assignment?: ModelledSpan;
}

/** Where the simulation plays, and by which model. */
export interface SimulatedRunnersOptions {
  ec2: Ec2Emulator;
  github: GithubFake;
  edgeUrl: string;
  webhookSecret: string;
  installationId: number;
  timings: StartTimings;
  log: (line: string) => void;
  /** How long a job runs once started, real ms; default 1,000. */
  jobMs?: number;
}

/** How long an instance keeps asking for its JIT config (404 until the core deposits it). */
const CONFIG_WAIT_MS = 30_000;

/** Plays every instance the emulator starts, and GitHub's side of their jobs; `stop()` ends it. */
export class SimulatedRunners {
  readonly actions: SimulatedActions;
  /** Every boot so far, in the order instances went pending. */
  readonly boots: RunnerBoot[] = [];
  readonly #options: SimulatedRunnersOptions;
  readonly #jobs = new Map<number, JobStart>();
  readonly #assignments = new Map<number, ModelledSpan>();
  /** Stopped pool instances past their first boot, which only prepared them. */
  readonly #prepared = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #stopping = new AbortController();
  readonly #unsubscribe: () => void;

  constructor(options: SimulatedRunnersOptions) {
    this.#options = options;
    this.actions = new SimulatedActions({
      github: options.github,
      edgeUrl: options.edgeUrl,
      webhookSecret: options.webhookSecret,
      installationId: options.installationId,
      log: options.log,
      assignmentDelayMs: (jobId) => {
        const from = Date.now();
        const { simulatedMs, realMs } = options.timings.draw("githubAssignment");
        this.#assignments.set(jobId, {
          phase: "githubAssignment",
          from,
          to: from + realMs,
          simulatedMs,
        });
        return realMs;
      },
      onStarted: (jobId, runnerName) => {
        const job = this.#jobs.get(jobId);
        if (job) Object.assign(job, { startedAt: Date.now(), runnerName });
      },
    });
    this.#unsubscribe = options.ec2.onPending((event) => this.#track(this.#boot(event)));
  }

  /** Queues one job with `labels` in GitHub (its `queued` webhook goes out now); returns its id. */
  queue(repo: string, labels: readonly string[]): number {
    const queuedAt = Date.now();
    const [jobId] = this.actions.queueRun({
      kind: "run",
      atMs: 0,
      repo,
      workflow: "start-bench",
      branch: "main",
      jobs: [{
        name: "start",
        labels: [...labels],
        durationMs: this.#options.jobMs ?? 1_000,
        conclusion: "success",
        cancelAfterMs: null,
        isWebhookDropped: false,
      }],
    });
    this.#jobs.set(jobId, { jobId, queuedAt });
    return jobId;
  }

  /** Each queued job so far, with its start and its assignment delay once known. */
  jobs(): JobStart[] {
    return [...this.#jobs.values()].map((job) => {
      const assignment = job.startedAt === undefined ? undefined : this.#assignments.get(job.jobId);
      return assignment ? { ...job, assignment } : { ...job };
    });
  }

  /** Stops playing: no boot goes on, no job starts; waits for calls in flight. */
  async stop(): Promise<void> {
    this.#unsubscribe();
    this.#stopping.abort();
    await this.actions.stop();
    await Promise.allSettled([...this.#pending]);
  }

  #track<T>(promise: Promise<T>): void {
    this.#pending.add(promise);
    promise.finally(() => this.#pending.delete(promise));
  }

  async #boot({ instance, cause, at, runningAt }: PendingEvent): Promise<void> {
    const { timings } = this.#options;
    const boot: RunnerBoot = {
      instanceId: instance.instanceId,
      cause,
      spans: [{
        phase: cause === "launch" ? "pending" : "startFromStopped",
        from: at,
        to: runningAt,
        simulatedMs: Math.round((runningAt - at) / timings.config.scale),
      }],
    };
    this.boots.push(boot);
    try {
      await this.#sleep(runningAt - Date.now());
      // A resumed instance's RAM is back: its OS is up, its boot script waiting for a config.
      if (cause !== "resume") await this.#play(boot, "osBoot");
      const credentials = credentialsOf(instance);
      if (!credentials) throw new Error("not a Gantry runner (no edge or token in its user data)");
      const agent = new RunnerAgent(credentials, { signal: this.#stopping.signal });
      if (credentials.isStandby && !this.#prepared.has(instance.instanceId)) {
        // As the boot script does: install the runner, report `prepared`; the core stops it
        // (a hibernating one waits for its config from here: its resume below goes on).
        boot.isPreparation = true;
        await this.#play(boot, "runnerStartup");
        this.#prepared.add(instance.instanceId);
        await agent.report("prepared");
        return;
      }
      const askedAt = Date.now();
      const runner: RegisteredRunner = await agent.fetchConfig(CONFIG_WAIT_MS);
      Object.assign(boot, { vaultMs: Date.now() - askedAt, runnerName: runner.name });
      await agent.report("booted");
      await this.#play(boot, "runnerStartup");
      await agent.report("runner-started");
      this.actions.runnerOnline(runner, {
        onFinished: () =>
          this.#track(agent.report("runner-finished").catch((error) => this.#failed(boot, error))),
      });
    } catch (error) {
      this.#failed(boot, error);
    }
  }

  /** Waits out one modelled phase and records it. */
  async #play(boot: RunnerBoot, phase: StartPhase): Promise<void> {
    const from = Date.now();
    const { simulatedMs, realMs } = this.#options.timings.draw(phase);
    boot.spans.push({ phase, from, to: from + realMs, simulatedMs });
    await this.#sleep(realMs);
  }

  #failed(boot: RunnerBoot, error: unknown): void {
    boot.error = String(error);
    if (!this.#stopping.signal.aborted) this.#options.log(`runner on ${boot.instanceId}: ${error}`);
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    if (signal.aborted) return Promise.reject(new Error("stopped"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error("stopped"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
