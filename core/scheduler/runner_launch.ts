/**
 * What a job batch's launch and a warm runner's launch share: the launch
 * request (boot script with the batch's runner token, cascaded and gantry
 * tags), one idle machine's launch, and registering a JIT runner under a
 * name a crash may have taken.
 */
import { ConflictError } from "../../shared/errors.ts";
import type { Placement } from "../../shared/launch/batch.ts";
import { cascadeTags, gantryTags, type Tags } from "../../shared/tags.ts";
import type { Binding, PoolRow, Store } from "../db/store.ts";
import type { RunnerVault } from "../edge_client/edge_client.ts";
import type { GitHub, JitConfig, JitConfigRequest } from "../github/github.ts";
import {
  DEFAULT_RUNNER_RELEASE,
  runnerInstallOf,
  type RunnerRelease,
} from "../runner/runner_install.ts";
import { renderUserData } from "../runner/user_data.ts";
import type { Logger } from "../log.ts";
import type { LaunchedMachine, LaunchRequest, PoolSpec, Provider } from "../providers/provider.ts";

/** What every launch's boot script takes from the core's config. */
export interface RunnerBoot {
  edgeUrl: string;
  bootTimeoutSeconds: number;
  /** The runner release to download and verify; the pinned default when absent. */
  release?: RunnerRelease;
}

export interface LaunchRequestInput {
  binding: Binding;
  pool: PoolRow;
  /** The pool's spec with its materialised template. */
  spec: PoolSpec;
  repo: string;
  clientToken: string;
  /** When the launch's client token was issued; the runner token counts from it. */
  issuedAt: number;
  count: number;
  placements: readonly Placement[];
  /** Named on the instances only when the launch serves one job. */
  jobId?: string;
  extraTags?: Tags;
  /**
   * A stopped pool's instance: its boot token lives this long (it boots again
   * on each start, from the same user data), and its first boot only prepares;
   * one that `hibernates` is launched able to, and waits for its config.
   */
  standby?: { tokenTtlSeconds: number; hibernates: boolean };
}

/** The provider's launch request, with a runner token for the launch's instances to fetch their configs. */
export async function launchRequestOf(
  input: LaunchRequestInput,
  deps: { vault: RunnerVault; runners: RunnerBoot },
): Promise<LaunchRequest> {
  const { binding, pool, clientToken } = input;
  const { runners } = deps;
  const batchToken = await deps.vault.batchToken({
    batchId: clientToken,
    issuedAt: input.issuedAt,
    ttlSeconds: input.standby?.tokenTtlSeconds ?? runners.bootTimeoutSeconds,
  });
  return {
    pool: input.spec,
    clientToken,
    count: input.count,
    placements: input.placements,
    userData: renderUserData({
      edgeUrl: runners.edgeUrl,
      batchToken,
      configWaitSeconds: runners.bootTimeoutSeconds,
      runner: runnerInstallOf(runners.release ?? DEFAULT_RUNNER_RELEASE, input.spec.runnerPath),
      isStandby: input.standby !== undefined,
      hibernates: input.standby?.hibernates,
    }),
    ...(input.standby?.hibernates ? { hibernation: true } : {}),
    tags: {
      ...cascadeTags({ project: binding.project.tags, pool: pool.tags, repo: binding.repo.tags }),
      ...gantryTags({
        project: binding.project.name,
        pool: pool.name,
        repo: input.repo,
        job: input.jobId,
      }),
      "gantry:batch": clientToken,
      ...input.extraTags,
    },
  };
}

/**
 * Launches one idle machine for a warm or a stopped pool, one per call. Null
 * when the provider placed none (the next tick retries) or when the launch is
 * a replay (a repeated tick, another core) whose machine is already recorded.
 */
export async function launchIdleMachine(
  input: Omit<LaunchRequestInput, "count" | "placements">,
  deps: {
    vault: RunnerVault;
    runners: RunnerBoot;
    provider: Provider;
    store: Pick<Store, "instancesOfLaunch">;
    log: Logger;
  },
  what: string,
): Promise<LaunchedMachine | null> {
  const { provider, store, log } = deps;
  const outcome = await provider.launch(
    await launchRequestOf(
      { ...input, count: 1, placements: provider.placementsOf(input.spec) },
      deps,
    ),
  );
  const machine = outcome.machines[0];
  if (!machine) {
    log.info(`${what} got no machine; the next tick retries`, {
      pool: input.pool.name,
      failures: outcome.failures.map((f) => `${f.size ?? "*"}: ${f.code}`),
    });
    return null;
  }
  return (await store.instancesOfLaunch(input.clientToken)).has(machine.id) ? null : machine;
}

/**
 * A JIT config for `request.runnerName`; if GitHub says the name is taken (by
 * the run a crash interrupted before recording it), under a fresh one.
 */
export async function registerRunner(
  github: Pick<GitHub, "generateJitConfig">,
  request: JitConfigRequest,
  now: () => number,
): Promise<{ jit: JitConfig; runnerName: string }> {
  try {
    return { jit: await github.generateJitConfig(request), runnerName: request.runnerName };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const runnerName = `${request.runnerName}-${now().toString(36)}`;
    return { jit: await github.generateJitConfig({ ...request, runnerName }), runnerName };
  }
}
