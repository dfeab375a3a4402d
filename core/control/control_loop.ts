/**
 * The core's control call, beside its lease loop: every `intervalMs` it
 * tells the edge how long ago it last leased, sends its metrics and the
 * results of the actions it carried out, and takes the holds on launching
 * and the next actions. Right after carrying actions out it calls again, so
 * their results reach the operator at once. An edge that cannot be reached
 * changes nothing: the last holds stay, results wait for the next call.
 */
import type { ActionResult, ControlAnswer, ControlCall } from "../../shared/schema/control.ts";
import type { Logger } from "../log.ts";
import { sleep } from "../sleep.ts";
import { carryOut, type ControlActionDeps } from "./control_actions.ts";
import type { LaunchGate } from "./launch_gate.ts";

/** The edge as the control loop sees it. */
export interface ControlChannel {
  control(call: ControlCall, signal?: AbortSignal): Promise<ControlAnswer>;
}

export interface ControlLoopOptions {
  channel: ControlChannel;
  gate: LaunchGate;
  actions: ControlActionDeps;
  /** The metric families to send (prom-client JSON). */
  metrics: () => Promise<ControlCall["metrics"]>;
  /** Milliseconds since the last answered lease, or null before the first. */
  leaseAgeMs: () => number | null;
  version: string;
  log: Logger;
  /** Between calls (default 2 s): an operator's action reaches the core within this. */
  intervalMs?: number;
  signal: AbortSignal;
}

const DEFAULT_INTERVAL_MS = 2_000;

export async function runControlLoop(options: ControlLoopOptions): Promise<void> {
  const { channel, gate, log, signal } = options;
  let results: ActionResult[] = [];
  while (!signal.aborted) {
    let answer: ControlAnswer;
    try {
      answer = await channel.control({
        version: options.version,
        leaseAgeMs: options.leaseAgeMs(),
        metrics: await options.metrics(),
        results,
      }, signal);
      results = [];
    } catch (error) {
      if (signal.aborted) break;
      log.warn("control call failed; keeping the last holds", { error });
      await sleep(options.intervalMs ?? DEFAULT_INTERVAL_MS, signal);
      continue;
    }
    if (gate.update(answer.holds)) {
      log.info("launch holds changed", {
        isPaused: answer.holds.isPaused,
        drainedPools: answer.holds.drainedPools,
      });
      // A resume frees queued jobs: look now rather than at the next sweep.
      options.actions.pokeLauncher();
    }
    for (const action of answer.actions) {
      if (signal.aborted) break;
      results.push(await carryOut(action, options.actions));
    }
    if (results.length === 0) await sleep(options.intervalMs ?? DEFAULT_INTERVAL_MS, signal);
  }
}
