/**
 * The edge Worker as `deno task mutate` runs it: edge/index.ts unchanged,
 * behind one extra route, `POST /__mutation/run`, that switches Stryker's
 * active mutant in this isolate and starts a fresh run. Only
 * test/support/shared_edge.ts names this file as a Worker's `main` (in a
 * config it writes to a temp dir); wrangler.toml names edge/index.ts, so a
 * deployed Worker holds none of it (test/edge/mutation_hook_test.ts checks
 * the deploy bundle).
 *
 * The switch also needs the var `GANTRY_MUTATION_HOOK=on`, which only the
 * mutation harness sets.
 *
 * One workerd then serves every mutant of a Stryker run instead of one
 * `wrangler dev` per test file per mutant. Durable Objects run in the
 * Worker's isolate under `wrangler dev`, so they see the switch too. Each
 * run gets its own Durable Objects (every name is prefixed with the run
 * id), so no event, lease or counter of an earlier mutant is visible. A
 * mutant in code that only runs while the modules load is reported as
 * static (see `mutantsAtLoad`).
 *
 * @module
 */
import type { DurableObjectNamespace } from "cloudflare:workers";
import type { ExecutionContext } from "hono";
import app from "../../../edge/index.ts";
import type { Env } from "../../../edge/env.ts";
import { MUTATION_HOOK_VAR, MUTATION_RUN_PATH } from "./run_path.ts";

export { JobQueue, LoginThrottle, RunnerVault, SessionRevocations } from "../../../edge/index.ts";

/** What Stryker's instrumented code reads (`activeMutant`) and writes (`mutantCoverage`). */
interface StrykerNamespace {
  activeMutant?: string;
  mutantCoverage?: { static?: Record<string, number> };
}

/**
 * Mutants the edge's modules reached while they were evaluated (imports run
 * before this line): top-level constants, the Hono route chain, middleware
 * built once. Switching one of those at run time changes nothing, so the
 * switch answers `isStatic` and the harness runs that mutant in a fresh edge
 * with the mutant set from the start.
 */
const mutantsAtLoad = new Set(
  Object.keys(
    (globalThis as { __stryker__?: StrykerNamespace }).__stryker__?.mutantCoverage
      ?.static ?? {},
  ),
);

/** The run the next requests belong to: prefixes every Durable Object name. */
let runId = "";

/** The Durable Object bindings, each name prefixed with the current run's id. */
const NAMESPACES = ["JOB_QUEUE", "LOGIN_THROTTLE", "SESSION_REVOCATIONS", "RUNNER_VAULT"] as const;

function envOfRun(env: Env): Env {
  const scoped = { ...env };
  for (const binding of NAMESPACES) {
    const namespace = env[binding] as DurableObjectNamespace<unknown>;
    (scoped as Record<string, unknown>)[binding] = {
      idFromName: (name: string) => namespace.idFromName(`${runId}${name}`),
      get: namespace.get.bind(namespace),
    };
  }
  return scoped;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const isHookOn = (env as unknown as Record<string, unknown>)[MUTATION_HOOK_VAR] === "on";
    if (isHookOn && new URL(request.url).pathname === MUTATION_RUN_PATH) {
      const { mutant, run } = await request.json() as { mutant: string | null; run: string };
      const global = globalThis as { __stryker__?: StrykerNamespace };
      global.__stryker__ ??= {};
      global.__stryker__.activeMutant = mutant ?? undefined;
      runId = `${run}:`;
      return Response.json({ mutant, run, isStatic: mutant !== null && mutantsAtLoad.has(mutant) });
    }
    return await app.fetch(request, runId === "" ? env : envOfRun(env), ctx);
  },
};
