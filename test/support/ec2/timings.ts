/**
 * How long a job's start takes outside Gantry, as the start bench models it
 * (issue 12.3): EC2 holds a new instance pending for about 16 s whatever its
 * type, starts a stopped one in about 5 s; the OS boots in about 3 s; the
 * runner starts in about 4 s; GitHub hands a queued job to an idle runner in
 * about 2 s. Each draw strays from its mean by up to `jitter` either way,
 * uniformly, from a seeded stream per phase, so a run is reproducible (the
 * n-th draw of a phase is the same in every run with that seed, whatever
 * order the phases are drawn in).
 *
 * Two clocks: a draw's `simulatedMs` is the modelled duration; its `realMs`
 * (`simulatedMs × scale`) is how long the bench actually waits, so that
 * 16 s of pending passes in 1.6 s at scale 0.1. The default model,
 * {@link INSTANT_START}, draws 0 for everything: the emulator as every
 * other test runs it.
 *
 * @module
 */
import { type SeededRandom, seededRandom } from "../../../scripts/workload/seeded_random.ts";
import type { InstanceDurations } from "./instances.ts";

/** The phases of a job's start that EC2, the instance or GitHub spend, in the order they pass. */
export const START_PHASES = [
  "pending",
  "startFromStopped",
  "osBoot",
  "runnerStartup",
  "githubAssignment",
] as const;
export type StartPhase = typeof START_PHASES[number];

/** A start model: each phase's mean, the jitter, the seed and the time scale. */
export interface StartTimingsConfig {
  /** Each phase's mean, simulated ms. */
  meansMs: Readonly<Record<StartPhase, number>>;
  /** How far a draw may stray from its mean, as a fraction in [0, 1): 0.25 draws 16 s as 12–20 s. */
  jitter: number;
  /** Any integer; the same seed gives the same draws. */
  seed: number;
  /** Real ms per simulated ms, > 0: 0.1 plays 16 simulated seconds in 1.6 real ones. */
  scale: number;
}

/** EC2 and GitHub as issue 12 measures them (RunsOn's, Depot's and AWS's published figures). */
export const EC2_START_MEANS_MS: Readonly<Record<StartPhase, number>> = {
  pending: 16_000,
  startFromStopped: 5_000,
  osBoot: 3_000,
  runnerStartup: 4_000,
  githubAssignment: 2_000,
};

/** No delay anywhere: what the emulator and the GitHub fake did before the model existed. */
export const INSTANT_START: Readonly<StartTimingsConfig> = {
  meansMs: { pending: 0, startFromStopped: 0, osBoot: 0, runnerStartup: 0, githubAssignment: 0 },
  jitter: 0,
  seed: 0,
  scale: 1,
};

/** One drawn duration on both clocks. */
export interface Draw {
  /** The modelled duration, whole ms. */
  simulatedMs: number;
  /** How long to wait for it on the wall clock: `simulatedMs × scale`. */
  realMs: number;
}

/** Draws the phases' durations from one config. */
export class StartTimings {
  readonly config: Readonly<StartTimingsConfig>;
  readonly #streams: Map<StartPhase, SeededRandom>;

  constructor(config: StartTimingsConfig) {
    if (!(config.jitter >= 0 && config.jitter < 1)) {
      throw new RangeError(`jitter must be in [0, 1), got ${config.jitter}`);
    }
    if (!(config.scale > 0)) throw new RangeError(`scale must be > 0, got ${config.scale}`);
    for (const phase of START_PHASES) {
      if (!(config.meansMs[phase] >= 0)) {
        throw new RangeError(`${phase} mean must be >= 0 ms, got ${config.meansMs[phase]}`);
      }
    }
    this.config = structuredClone(config);
    // One stream per phase: a phase's n-th draw does not depend on how the others interleave.
    this.#streams = new Map(
      START_PHASES.map((phase, i) => [phase, seededRandom(config.seed * START_PHASES.length + i)]),
    );
  }

  /** The next duration of `phase`. */
  draw(phase: StartPhase): Draw {
    const { meansMs, jitter, scale } = this.config;
    const spread = jitter * (2 * this.#streams.get(phase)!.next() - 1);
    const simulatedMs = Math.round(meansMs[phase] * (1 + spread));
    return { simulatedMs, realMs: simulatedMs * scale };
  }

  /** What the EC2 emulator waits per instance (real ms): pending after a launch, after a start. */
  emulatorDurations(): InstanceDurations {
    return {
      pendingMs: () => this.draw("pending").realMs,
      startMs: () => this.draw("startFromStopped").realMs,
    };
  }
}
