/**
 * How the workload plays an emulated instance, from boot to its runner's
 * exit: by running the boot script the core rendered with bash
 * (script_player.ts, what `dev` does wherever bash, curl and python3 are
 * installed), or by {@link agentPlayer}, which plays the script's calls in
 * TypeScript.
 *
 * @module
 */
import type { EmulatedInstance } from "../../test/support/ec2/emulator.ts";
import { credentialsOf, type RegisteredRunner, RunnerAgent } from "./runner_agent.ts";

/** One instance being played. */
export interface PlayedInstance {
  /** Its runner once started, registered by the JIT config it fetched; rejects if boot failed. */
  readonly runner: Promise<RegisteredRunner>;
  /** The runner's job ended: the ephemeral runner exits and the instance reports runner-finished. */
  finish(): Promise<void>;
  /** The machine is gone; `isReclaimed`: EC2 reclaimed a spot instance, which reports its notice first. */
  gone(options: { isReclaimed: boolean }): Promise<void>;
}

/** Plays instances one way. */
export interface InstancePlayer {
  readonly kind: "script" | "agent";
  /** Starts booting `instance`; null when its user data is no Gantry runner's. */
  play(instance: EmulatedInstance): PlayedInstance | null;
  /** Ends every instance still playing. */
  stop(): Promise<void>;
}

/** How long an instance keeps asking for its JIT config (the core deposits it after the launch). */
const CONFIG_WAIT_MS = 30_000;

/** Plays the boot script's calls in TypeScript ({@link RunnerAgent}). */
export function agentPlayer(): InstancePlayer {
  const stopping = new AbortController();
  return {
    kind: "agent",
    play(instance) {
      const credentials = credentialsOf(instance);
      if (!credentials) return null;
      const agent = new RunnerAgent(credentials, { signal: stopping.signal });
      let hasStarted = false;
      // As the bootstrap script: the config first (the edge binds the instance to its runner
      // then), then the lifecycle reports.
      const runner = (async () => {
        const registered = await agent.fetchConfig(CONFIG_WAIT_MS);
        await agent.report("booted");
        await agent.report("runner-started");
        hasStarted = true;
        return registered;
      })();
      return {
        runner,
        finish: () => agent.report("runner-finished"),
        async gone({ isReclaimed }) {
          // The two-minute notice, compressed to nothing: report it, then the machine is gone.
          if (isReclaimed && hasStarted) await agent.report("spot-interruption-notice");
        },
      };
    },
    stop() {
      stopping.abort();
      return Promise.resolve();
    },
  };
}
