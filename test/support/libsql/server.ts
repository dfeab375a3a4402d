/**
 * The libSQL server tests use: ./main.ts (Hrana over HTTP on the real libSQL
 * engine) started as a child process. The engine is a native addon; loaded
 * into parallel `deno test` workers it crashed the runner (docs/testing.md),
 * so it lives in this child, and tests talk to it over HTTP with
 * `@libsql/client/web` (no native code). The child is stopped with the test,
 * and by test/support/watchdog.sh if the runner dies first.
 *
 * @module
 */
import { type ChildProcess, spawn } from "../process.ts";

/** How to start a {@link LibsqlServer}. */
export interface LibsqlServerOptions {
  /** Database file; default a fresh temporary file, removed on close. */
  path?: string;
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  hostname?: string;
  /** When set, pipelines need `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** Close a stream (rolling back its transaction) after this long without a request; default 10 s. */
  idleStreamMs?: number;
  /** How long a write waits for another stream's transaction before failing with SQLITE_BUSY; default 5 s. */
  busyRetryMs?: number;
}

/** A running server process. */
export interface LibsqlServer {
  /** Base URL for `createClient({ url })`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** The database file. */
  path: string;
  /** The server's process (its output shows when a test fails). */
  process: ChildProcess;
  /** Answer 503 to every client request for the next `ms` (0 ends it early). */
  setUnavailable(ms: number): Promise<void>;
  /** Streams parked under a baton right now (open interactive transactions among them). */
  openStreams(): Promise<number>;
  /** Stop the process (connections refused from then on), and remove the file if it was temporary. */
  close(): Promise<void>;
}

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const LISTENING = /listening on (http:\/\/\S+)/;

/** Start a libSQL server process; resolves once it is listening. */
export async function startLibsqlServer(options: LibsqlServerOptions = {}): Promise<LibsqlServer> {
  const dir = options.path === undefined
    ? await Deno.makeTempDir({ prefix: "gantry-libsql-" })
    : undefined;
  const path = options.path ?? `${dir}/gantry.db`;
  const flags: [string, string | number | undefined][] = [
    ["--port", options.port ?? 0],
    ["--hostname", options.hostname],
    ["--path", path],
    ["--auth-token", options.authToken],
    ["--idle-stream-ms", options.idleStreamMs],
    ["--busy-retry-ms", options.busyRetryMs],
  ];
  const child = spawn(Deno.execPath(), [
    "run",
    "--allow-all",
    "--no-check",
    MAIN,
    ...flags.flatMap(([flag, value]) => value === undefined ? [] : [flag, String(value)]),
  ]);
  try {
    await child.waitForOutput(LISTENING, 60_000);
  } catch (error) {
    await child.stop(1_000);
    if (dir) await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const url = LISTENING.exec(child.output())![1];

  const control = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    const body = await response.text();
    if (!response.ok) throw new Error(`libSQL test server ${path}: ${response.status} ${body}`);
    return JSON.parse(body) as Record<string, unknown>;
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    path,
    process: child,
    async setUnavailable(ms) {
      await control("/_libsql/unavailable", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ms }),
      });
    },
    async openStreams() {
      return Number((await control("/_libsql/streams")).open);
    },
    close() {
      closing ??= (async () => {
        await child.stop(5_000);
        if (dir) await Deno.remove(dir, { recursive: true });
      })();
      return closing;
    },
  };
}
