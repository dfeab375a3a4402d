/**
 * An edge for one test run. Normally a fresh `startEdge` (edge/index.ts,
 * the deployed Worker), stopped with the test.
 *
 * Under `deno task mutate` (scripts/mutate.ts sets `GANTRY_MUTATION_EDGES`
 * to a directory and `GANTRY_MUTATION_OWNER` to its own pid), one workerd
 * per set of vars serves every mutant of the Stryker run: the first test run
 * starts it detached (test/support/mutation/worker.ts as `main`), later runs
 * find it through a state file, and each run switches it to the mutant
 * Stryker activated and to fresh Durable Objects. That saves the ~1 s (idle
 * machine) to ~15 s (loaded) of a `wrangler dev` start per test file per
 * mutant. An edge that stopped answering (a mutant that hung its isolate) is
 * replaced. scripts/mutate.ts ends them all; test/support/watchdog.sh ends
 * them if scripts/mutate.ts dies first.
 *
 * A mutant in code that runs only while the Worker's modules load (a
 * top-level constant, the route table) cannot be switched at run time: the
 * switch says so, and that run gets a fresh edge with the mutant set as a var.
 *
 * Tests that need a fresh isolate (module state such as the refusal counter
 * in edge/webhook/rejection_counter.ts, or a restart) use `startEdge`.
 *
 * @module
 */
import { coreKeyPair, type EdgeSecrets, edgeVars, ensureUiBuilt, startEdge } from "./edge.ts";
import { testWorkerConfig, wranglerDevCommand } from "./edge.ts";
import { freePort, waitForHttp } from "./ports.ts";
import { createClient } from "@libsql/client/web";
import { migrate } from "../../core/db/migrate.ts";
import { startLibsqlServer } from "./libsql/server.ts";
import { seedTestOperators } from "./operator.ts";
import { MUTATION_HOOK_VAR, MUTATION_RUN_PATH } from "./mutation/run_path.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WATCHDOG = new URL("./watchdog.sh", import.meta.url).pathname;

/** An edge a test may use as if it were fresh: an empty queue, its own core key. */
export interface RunEdge {
  url: string;
  /** The core key pair the edge trusts (CORE_PUBLIC_KEYS). */
  keys: { privateKeyPem: string; jwks: string };
  /** The libSQL the edge reads (with the test operators), when asked for. */
  libsqlUrl?: string;
  /** True when this is the long-lived mutation edge. */
  isShared: boolean;
  stop(): Promise<void>;
}

/** The vars of a run edge; the core key is the harness's. */
export type RunEdgeSecrets = Omit<EdgeSecrets, "CORE_PUBLIC_KEYS">;

interface SharedEdgeState {
  url: string;
  /** Process group of `wrangler dev` (its leader's pid). */
  group: number;
  keys: { privateKeyPem: string; jwks: string };
}

/**
 * An edge for this test run with `secrets`: see the module doc. With
 * `libsql`, LIBSQL_URL is a migrated libSQL holding the test operators
 * (test/support/operator.ts) and an empty audit log.
 */
export async function edgeForRun(
  secrets: Omit<RunEdgeSecrets, "LIBSQL_URL"> & { LIBSQL_URL?: string },
  options: { libsql?: boolean } = {},
): Promise<RunEdge> {
  const dir = Deno.env.get("GANTRY_MUTATION_EDGES");
  if (!dir) {
    const libsql = options.libsql ? await startLibsqlServer() : undefined;
    if (libsql) await prepareLibsql(libsql.url);
    const keys = await coreKeyPair();
    const edge = await startEdge({
      LIBSQL_URL: libsql?.url ?? "http://127.0.0.1:9",
      ...secrets,
      CORE_PUBLIC_KEYS: keys.jwks,
    });
    return {
      url: edge.url,
      keys,
      libsqlUrl: libsql?.url,
      isShared: false,
      stop: async () => {
        await edge.stop();
        await libsql?.close();
      },
    };
  }
  // scripts/mutate.ts runs one libSQL for the whole Stryker run.
  const libsqlUrl = options.libsql ? Deno.env.get("GANTRY_MUTATION_LIBSQL") : undefined;
  if (options.libsql && !libsqlUrl) throw new Error("GANTRY_MUTATION_LIBSQL is not set");
  if (libsqlUrl) {
    const client = createClient({ url: libsqlUrl });
    await client.execute("DELETE FROM audit_events");
    client.close();
  }
  const state = await sharedEdge(dir, {
    LIBSQL_URL: libsqlUrl ?? "http://127.0.0.1:9",
    ...secrets,
  });
  const response = await fetch(`${state.url}${MUTATION_RUN_PATH}`, {
    method: "POST",
    body: JSON.stringify({
      mutant: Deno.env.get("__STRYKER_ACTIVE_MUTANT__") ?? null,
      run: crypto.randomUUID(),
    }),
  });
  if (response.status !== 200) throw new Error(`mutation switch: ${response.status}`);
  const { isStatic } = await response.json() as { isStatic: boolean };
  if (isStatic) {
    // A mutant of code that runs once, as the modules load: only a fresh edge started with the
    // mutant set (startEdge passes __STRYKER_ACTIVE_MUTANT__ on as a var) runs it.
    const keys = await coreKeyPair();
    const edge = await startEdge({
      LIBSQL_URL: libsqlUrl ?? "http://127.0.0.1:9",
      ...secrets,
      CORE_PUBLIC_KEYS: keys.jwks,
    });
    return { url: edge.url, keys, libsqlUrl, isShared: false, stop: () => edge.stop() };
  }
  return {
    url: state.url,
    keys: state.keys,
    libsqlUrl,
    isShared: true,
    stop: () => Promise.resolve(),
  };
}

/** Migrates the libSQL at `url` and adds the test operators (repeating is harmless). */
export async function prepareLibsql(url: string): Promise<void> {
  const client = createClient({ url });
  try {
    await migrate(client);
    await seedTestOperators(client);
  } finally {
    client.close();
  }
}

async function sharedEdge(dir: string, secrets: RunEdgeSecrets): Promise<SharedEdgeState> {
  // One edge per set of vars and per Stryker worker (each runs its own mutant).
  const worker = Deno.env.get("STRYKER_MUTATOR_WORKER") ?? "0";
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify([ROOT, worker, Object.entries(secrets).sort()])),
  );
  const name = [...new Uint8Array(digest)].slice(0, 8)
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const path = `${dir}/${name}.json`;
  const known = await readState(path);
  if (known && await isAnswering(known.url)) return known;
  if (known) killGroup(known.group);
  const state = await startShared(dir, name, secrets);
  await Deno.writeTextFile(path, JSON.stringify(state));
  return state;
}

async function readState(path: string): Promise<SharedEdgeState | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function isAnswering(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false; // refused or timed out: either way, start another
  }
}

function killGroup(group: number): void {
  try {
    Deno.kill(-group, "SIGKILL");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function startShared(
  dir: string,
  name: string,
  secrets: RunEdgeSecrets,
): Promise<SharedEdgeState> {
  const owner = Deno.env.get("GANTRY_MUTATION_OWNER");
  if (!owner) throw new Error("GANTRY_MUTATION_EDGES is set without GANTRY_MUTATION_OWNER");
  await ensureUiBuilt();
  const keys = await coreKeyPair();
  const port = freePort();
  const wrangler = await wranglerDevCommand(
    { ...edgeVars({ ...secrets, CORE_PUBLIC_KEYS: keys.jwks }), [MUTATION_HOOK_VAR]: "on" },
    {
      port,
      stateDir: `${dir}/${name}.state`,
      config: await testWorkerConfig("test/support/mutation/worker.ts", {
        dir,
        name,
        paths: [MUTATION_RUN_PATH],
      }),
    },
  );
  // `setsid -f`: the edge leads its own process group and outlives this test process; the
  // shell records its pid (the group's id) before it becomes wrangler.
  const pidFile = `${dir}/${name}.pid`;
  const log = `${dir}/${name}.log`;
  const quoted = [wrangler.command, ...wrangler.args].map((arg) =>
    `'${arg.replaceAll("'", "'\\''")}'`
  );
  const started = await new Deno.Command("setsid", {
    args: ["-f", "sh", "-c", `echo $$ > '${pidFile}'; exec ${quoted.join(" ")} > '${log}' 2>&1`],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? ROOT,
      ...wrangler.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  if (!started.success) throw new Error(`setsid failed with ${started.code}`);
  const url = `http://127.0.0.1:${port}`;
  let group = 0;
  for (let i = 0; i < 100 && group === 0; i++) {
    group = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim()) || 0;
    if (group === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (group === 0) throw new Error(`the mutation edge wrote no pid to ${pidFile}`);
  // Ends the edge if scripts/mutate.ts dies before it can.
  await new Deno.Command("setsid", {
    args: ["-f", "bash", WATCHDOG, owner, String(group)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  try {
    await waitForHttp(`${url}/healthz`, 90_000);
  } catch (error) {
    killGroup(group);
    const output = await Deno.readTextFile(log).catch(() => "");
    throw new Error(`mutation edge did not start: ${error}\n${output.slice(-4000)}`);
  }
  return { url, group, keys };
}
