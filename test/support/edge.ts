/**
 * Runs the edge Worker in workerd (`wrangler dev`, offline) on a free
 * loopback port with test secrets, persisting Durable Object state to `stateDir`
 * so a test can restart the edge and find its queue intact.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { freePort, waitForHttp } from "./ports.ts";
import { type ChildProcess, spawn } from "./process.ts";
import type { Env } from "../../edge/env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The vars and secrets a test edge runs with: the Worker's own `Env` (one
 * list, documented there) without its bindings; `RUNNER_CONFIG_KEY` defaults
 * to a fresh random key, `INSTANCE_IDENTITY_CERTIFICATES` to `off` (simulated
 * instances have no AWS-signed identity; test/edge/runner_test.ts passes a test CA).
 */
export type EdgeSecrets =
  & Omit<
    Env,
    | "JOB_QUEUE"
    | "LOGIN_THROTTLE"
    | "RUNNER_VAULT"
    | "SESSION_REVOCATIONS"
    | "ASSETS"
    | "RUNNER_CONFIG_KEY"
  >
  & { RUNNER_CONFIG_KEY?: string };

export interface Edge {
  url: string;
  port: number;
  stateDir: string;
  process: ChildProcess;
  /** Stops workerd; the state directory is kept for a restart. */
  stop(): Promise<void>;
  /** Starts a new workerd on the same port and state, with `changes` to its vars (say, a later clock). */
  restart(changes?: Partial<EdgeSecrets>): Promise<Edge>;
}

function randomKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

/** A core's Ed25519 key pair: the PEM for the core, the JWK set for the edge. */
export async function coreKeyPair(kid = "core-test") {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  return { privateKeyPem: await exportPKCS8(privateKey), jwks: JSON.stringify({ keys: [jwk] }) };
}

export interface EdgeOptions {
  port?: number;
  stateDir?: string;
  /** Wrangler config to run, relative to the repo root; the edge's own `wrangler.toml` by default. */
  config?: string;
  /**
   * False only to show the leak the harness prevents: wrangler then reads the
   * `.dev.vars` beside the config, as a bare `wrangler dev` does.
   */
  hermetic?: boolean;
  /** wrangler's `--log-level`: `warn` by default; `log` keeps the Worker's console.log lines (its info lines) in its output. */
  logLevel?: "warn" | "log";
}

/**
 * Builds the console into dist/ui when it is missing or older than its
 * sources: wrangler refuses to start without the `[assets]` directory, and a
 * console test must not run yesterday's bundle.
 */
export async function ensureUiBuilt(): Promise<void> {
  const built = await mtimeOf(`${ROOT}dist/ui/index.html`);
  const sources = await Promise.all(
    ["ui", "shared", "scripts/build_ui.ts"].map((path) => newestMtime(`${ROOT}${path}`)),
  );
  if (built !== null && built >= Math.max(...sources)) return;
  const { buildUi } = await import("../../scripts/build_ui.ts");
  await buildUi();
}

async function mtimeOf(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function newestMtime(path: string): Promise<number> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return info.mtime?.getTime() ?? 0;
  let newest = 0;
  for await (const entry of Deno.readDir(path)) {
    newest = Math.max(newest, await newestMtime(`${path}/${entry.name}`));
  }
  return newest;
}

/**
 * wrangler.toml with a test Worker as `main` (a path under the repo root)
 * and `paths` answered by the Worker before the console's assets, every path
 * absolute, no `[build]` (ensureUiBuilt() has built the console). Written to
 * `dir`; returns its path, for `startEdge`'s `config`.
 */
export async function testWorkerConfig(
  main: string,
  options: { dir: string; name: string; paths: readonly string[] },
): Promise<string> {
  const runFirst = options.paths.map((path) => `"${path}", `).join("");
  const toml = (await Deno.readTextFile(`${ROOT}wrangler.toml`))
    .replace(/^main = "(.+)"$/m, `main = "${ROOT}${main}"`)
    .replace(/^directory = "\.\/(.+)"$/m, `directory = "${ROOT}$1"`)
    // Else the assets answer them (a single-page app takes every other path).
    .replace(/^run_worker_first = \[/m, `run_worker_first = [${runFirst}`)
    // The build step would only cost a second a start.
    .replace(/^\[build\]\n(?:.+\n)+/m, "");
  const isRewritten = toml.includes(`main = "${ROOT}${main}"`) &&
    toml.includes(`run_worker_first = [${runFirst}`) && !toml.includes("[build]");
  if (!isRewritten) throw new Error("wrangler.toml changed shape: update testWorkerConfig()");
  await ensureUiBuilt();
  const path = `${options.dir}/${options.name}.toml`;
  await Deno.writeTextFile(path, toml);
  return path;
}

/** An env file with no variables in it: the harness passes every one with --var. */
async function emptyEnvFile(): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "gantry-edge-", suffix: ".env" });
  await Deno.writeTextFile(path, "# The test harness passes every variable with --var.\n");
  return path;
}

/** Tries with fresh ports when the ones picked were taken before wrangler bound them. */
const PORT_ATTEMPTS = 3;

export async function startEdge(secrets: EdgeSecrets, options: EdgeOptions = {}): Promise<Edge> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startEdgeOnce(secrets, options);
    } catch (error) {
      // freePort() closes its listener before wrangler binds: in a parallel suite another
      // process can take the port in between. Only a port we picked may be picked again.
      const isPortTaken = error instanceof Error && /Address already in use/.test(error.message);
      if (!isPortTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** The vars a test edge runs with: `secrets` over the harness's defaults. */
export function edgeVars(secrets: EdgeSecrets): Record<string, string> {
  const withDefaults: Record<string, string | undefined> = {
    RUNNER_CONFIG_KEY: randomKey(),
    INSTANCE_IDENTITY_CERTIFICATES: "off",
    ...secrets,
  };
  return Object.fromEntries(
    Object.entries(withDefaults).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, value]]
    ),
  );
}

/**
 * `wrangler dev` for a test edge, hermetic: its variables are the config's
 * `[vars]` and `vars`, nothing else (not the checkout's `.dev.vars`, not the
 * runner's environment).
 */
export async function wranglerDevCommand(
  vars: Record<string, string>,
  options: {
    port: number;
    stateDir: string;
    config?: string;
    hermetic?: boolean;
    logLevel?: "warn" | "log";
  },
): Promise<{ command: string; args: string[]; env: Record<string, string> }> {
  const config = options.config ? ["--config", options.config] : [];
  return {
    command: "node",
    args: [
      `${ROOT}node_modules/wrangler/bin/wrangler.js`,
      "dev",
      ...config,
      "--ip",
      "127.0.0.1",
      "--port",
      String(options.port),
      "--inspector-port",
      String(freePort()),
      "--persist-to",
      options.stateDir,
      "--log-level",
      options.logLevel ?? "warn",
      // Naming an env file stops wrangler reading the checkout's .dev.vars and .env.
      ...(options.hermetic === false ? [] : ["--env-file", await emptyEnvFile()]),
      ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ],
    // Nor the runner's environment (CLOUDFLARE_INCLUDE_PROCESS_ENV would pass all of it on).
    env: {
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
      CI: "true",
    },
  };
}

async function startEdgeOnce(secrets: EdgeSecrets, options: EdgeOptions): Promise<Edge> {
  await ensureUiBuilt();
  const port = options.port ?? freePort();
  const stateDir = options.stateDir ?? await Deno.makeTempDir({ prefix: "gantry-edge-" });
  const vars = edgeVars(secrets);
  // Under `deno task mutate`, the mutant Stryker switched on for this run: the Worker's
  // instrumented code reads it from process.env, which workerd fills from its vars.
  const mutant = Deno.env.get("__STRYKER_ACTIVE_MUTANT__");
  if (mutant !== undefined) vars.__STRYKER_ACTIVE_MUTANT__ = mutant;
  const wrangler = await wranglerDevCommand(vars, { ...options, port, stateDir });
  const child = spawn(wrangler.command, wrangler.args, {
    cwd: ROOT,
    clearEnv: true,
    env: wrangler.env,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // Fail at once if wrangler exits (bad config), instead of waiting out the timeout.
    const exited = child.status.then((status) => `wrangler exited with ${status.code}`);
    const failure = await Promise.race([waitForHttp(`${url}/healthz`, 60_000), exited]);
    if (failure) throw new Error(failure);
  } catch (error) {
    await child.stop();
    throw new Error(`edge did not start: ${error}\n${child.output().slice(-4000)}`);
  }
  const edge: Edge = {
    url,
    port,
    stateDir,
    process: child,
    stop: async () => {
      await child.stop();
    },
    restart: async (changes = {}) => {
      await child.stop();
      return await startEdge({ ...secrets, ...changes }, { ...options, port, stateDir });
    },
  };
  return edge;
}
