/**
 * Carries out an operator's action the edge handed over, and says what came
 * of it in words the operator reads back (`ActionResult`):
 * - terminate: remove the machine's runner from GitHub (refused while it
 *   runs a job, unless the action was forced), then terminate the machine;
 * - cancel: take a job that has not started launching out of admission;
 * - retry: queue a failed launch again.
 * Each is idempotent: a machine already gone, a job already cancelled or
 * requeued comes back `done` with what was found.
 */
import type { ActionResult, HandedAction } from "../../shared/schema/control.ts";
import { ControlQueries, type ControlStore } from "../db/control_queries.ts";
import type { GitHub } from "../github/github.ts";
import type { Logger } from "../log.ts";
import type { Provider } from "../providers/provider.ts";

export interface ControlActionDeps {
  store: ControlStore;
  provider: Pick<Provider, "terminate">;
  github: Pick<GitHub, "removeRunner">;
  log: Logger;
  now: () => number;
  /** Something to launch changed (a retried job): the launcher should look. */
  pokeLauncher: () => void;
  /** Waits between tries of a machine the provider does not know yet. */
  sleep: (ms: number) => Promise<void>;
}

/** Tries of a termination the provider answers "not found", and the wait between them. */
const NOT_FOUND_TRIES = 4;
const NOT_FOUND_RETRY_MS = 1_000;

export async function carryOut(
  action: HandedAction,
  deps: ControlActionDeps,
): Promise<ActionResult> {
  try {
    const result = action.kind === "terminate"
      ? await terminate(action, deps)
      : action.kind === "cancel"
      ? await cancel(action, deps)
      : await retry(action, deps);
    deps.log.info("operator action carried out", {
      action: action.id,
      kind: action.kind,
      ...result,
    });
    return { id: action.id, ...result };
  } catch (error) {
    deps.log.warn("operator action failed", { action: action.id, kind: action.kind, error });
    const message = error instanceof Error ? error.message : String(error);
    return { id: action.id, outcome: "failed", result: message.slice(0, 1000) };
  }
}

type Outcome = Omit<ActionResult, "id">;

async function terminate(action: HandedAction, deps: ControlActionDeps): Promise<Outcome> {
  const { store, provider, github, now } = deps;
  const machine = await new ControlQueries(store).machine(action.target);
  if (!machine) return { outcome: "failed", result: `no machine ${action.target}` };
  if (machine.terminatedAt !== null) {
    return { outcome: "done", result: `${machine.id} was already terminated` };
  }
  const said: string[] = [];
  if (machine.runnerName && machine.repoFullName) {
    const removal = await github.removeRunner({
      repoFullName: machine.repoFullName,
      installationId: machine.installationId,
      runnerName: machine.runnerName,
      scope: machine.runnerScope,
    });
    if (removal === "busy" && !action.isForced) {
      return {
        outcome: "failed",
        result: `runner ${machine.runnerName} is running a job; terminate with force to end it`,
      };
    }
    said.push(
      removal === "removed"
        ? `runner ${machine.runnerName} removed from GitHub`
        : removal === "busy"
        ? `runner ${machine.runnerName} busy (forced)`
        : `runner ${machine.runnerName} was not registered`,
    );
  }
  // A machine launched a moment ago may be unknown to the provider's API for a few
  // seconds (EC2 is eventually consistent): asked again before it is given up as unknown.
  for (let attempt = 1;; attempt++) {
    const ended = await provider.terminate([machine.id]);
    if (!ended.notFound.includes(machine.id)) break;
    if (attempt >= NOT_FOUND_TRIES) {
      said.push(`the provider does not know ${machine.id} (yet); ask again shortly`);
      return { outcome: "failed", result: said.join("; ") };
    }
    await deps.sleep(NOT_FOUND_RETRY_MS);
  }
  const reason = `terminated by ${action.requestedBy}${action.isForced ? " (forced)" : ""}`;
  await store.markTerminated([machine.id], reason, now());
  said.push(`${machine.id} terminating`);
  return { outcome: "done", result: said.join("; ") };
}

async function cancel(action: HandedAction, deps: ControlActionDeps): Promise<Outcome> {
  const queries = new ControlQueries(deps.store);
  const from = await queries.cancel(
    action.target,
    deps.now(),
    `cancelled by ${action.requestedBy}`,
  );
  if (from) return { outcome: "done", result: `job ${action.target} cancelled (was ${from})` };
  const job = await deps.store.job(action.target);
  if (!job) return { outcome: "failed", result: `no job ${action.target}` };
  if (job.state === "cancelled") {
    return { outcome: "done", result: `job ${action.target} was already cancelled` };
  }
  return {
    outcome: "failed",
    result: `job ${action.target} is ${job.state}: it started before the cancel arrived`,
  };
}

async function retry(action: HandedAction, deps: ControlActionDeps): Promise<Outcome> {
  const queries = new ControlQueries(deps.store);
  const reason = `launch retried by ${action.requestedBy}`;
  if (await queries.requeueFailedLaunch(action.target, deps.now(), reason)) {
    deps.pokeLauncher();
    return { outcome: "done", result: `job ${action.target} queued again` };
  }
  const job = await deps.store.job(action.target);
  if (!job) return { outcome: "failed", result: `no job ${action.target}` };
  return {
    outcome: "failed",
    result: `job ${action.target} is ${job.state}: only a failed launch can be retried`,
  };
}
