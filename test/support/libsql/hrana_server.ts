/**
 * A libSQL server speaking Hrana over HTTP (v2 and v3, JSON), backed by the
 * real libSQL engine through the `libsql` npm binding. It stands in for sqld,
 * which cannot be installed here, so `@libsql/client` (node and web entries)
 * and drizzle talk to it exactly as they would to Turso or sqld.
 *
 * This module loads libSQL's native addon, so only the server's own process
 * (./main.ts) imports it; tests start that process with ./server.ts
 * (docs/testing.md, "Native addons stay out of the test runner").
 *
 * Routes:
 * - `GET /v2`, `GET /v3`: version probes (200). `GET /v3-protobuf` is 404, so
 *   clients that probe for protobuf fall back to JSON.
 * - `POST /v2/pipeline`, `POST /v3/pipeline`: Hrana pipelines.
 * - `GET /health`, `GET /version`.
 * - `POST /_libsql/unavailable` `{ "ms": 2000 }`: answer 503 for that long
 *   (test control; needs no token and keeps working while unavailable).
 * - `GET /_libsql/streams`: `{ "open": n }`, streams parked under a baton
 *   (test control, likewise).
 *
 * @module
 */
import { Hono } from "hono";
import Database from "libsql";
import { HranaPipelineRequest, type HranaPipelineResponse } from "./hrana_protocol.ts";
import { type HranaVersion, runPipeline } from "./pipeline.ts";
import { StreamNotFoundError, StreamRegistry } from "./stream_registry.ts";

/** How to start a {@link HranaServer}. */
export interface HranaServerOptions {
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

/** A running server, in this process. */
export interface HranaServer {
  /** Base URL for `createClient({ url })`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** The database file. */
  path: string;
  /** Answer 503 to every client request for the next `ms` (0 ends it early). */
  setUnavailable(ms: number): void;
  /** Streams parked under a baton right now (open interactive transactions among them). */
  openStreams(): number;
  /** Stop serving, close every stream, and remove the database file if it was temporary. */
  close(): Promise<void>;
}

const IDLE_STREAM_MS = 10_000;

/** A plain response with an exact content type; the Hrana client compares it without parameters. */
function plain(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain", ...headers } });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^bearer\s+(.+)$/i.exec(header ?? "");
  return match !== null && match[1].trim() === token;
}

function buildApp(
  registry: StreamRegistry,
  options: { authToken?: string; unavailableUntil: () => number; setUnavailable(ms: number): void },
): Hono {
  const app = new Hono();

  app.onError((error) => {
    console.error("libsql test server: unexpected error", error);
    return json(500, { message: "Internal server error", code: "INTERNAL_ERROR" });
  });

  app.post("/_libsql/unavailable", async (c) => {
    const body: unknown = await c.req.json().catch(() => null);
    const ms = (body as { ms?: unknown } | null)?.ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      return json(400, { message: 'Expected a JSON body like {"ms": 2000}', code: "BAD_REQUEST" });
    }
    options.setUnavailable(ms);
    return json(200, { unavailableForMs: ms });
  });

  app.get("/_libsql/streams", () => json(200, { open: registry.size }));

  app.use("*", async (_c, next) => {
    if (Date.now() < options.unavailableUntil()) {
      const seconds = Math.ceil((options.unavailableUntil() - Date.now()) / 1000);
      return plain(503, "libSQL server unavailable (fault injected by the test)", {
        "retry-after": String(seconds),
      });
    }
    await next();
  });

  app.get("/health", () => plain(200, "ok"));
  app.get("/version", () => plain(200, "gantry libsql test server (Hrana 2, 3 over HTTP)"));
  app.get("/v2", () => plain(200, "Hrana 2 over HTTP"));
  app.get("/v3", () => plain(200, "Hrana 3 over HTTP"));

  for (const version of [2, 3] as HranaVersion[]) {
    app.post(`/v${version}/pipeline`, async (c) => {
      if (
        options.authToken !== undefined &&
        !isAuthorized(c.req.header("authorization"), options.authToken)
      ) {
        return plain(401, "Unauthorized: a valid bearer token is required");
      }
      const body: unknown = await c.req.json().catch(() => undefined);
      const parsed = HranaPipelineRequest.safeParse(body);
      if (!parsed.success) {
        return json(400, {
          message: `Invalid pipeline request: ${parsed.error.issues[0]?.message ?? "not JSON"}`,
          code: "HTTP_BODY_INVALID",
        });
      }
      let connection;
      try {
        connection = registry.take(parsed.data.baton);
      } catch (error) {
        if (error instanceof StreamNotFoundError) {
          return json(400, { message: error.message, code: error.code });
        }
        throw error;
      }
      const outcome = await runPipeline(connection, parsed.data.requests, version);
      let baton: string | null = null;
      if (outcome.isClosed) {
        registry.close(connection);
      } else {
        baton = registry.park(connection);
      }
      const response: HranaPipelineResponse = { baton, base_url: null, results: outcome.results };
      return json(200, response);
    });
  }

  return app;
}

/** Serve libSQL in this process; resolves once it is listening. */
export async function serveLibsql(options: HranaServerOptions = {}): Promise<HranaServer> {
  const isTemporary = options.path === undefined;
  const path = options.path ??
    await Deno.makeTempFile({ prefix: "gantry-libsql-", suffix: ".db" });

  // WAL lets readers on other streams proceed while a transaction holds the write lock.
  const setup = new Database(path);
  setup.exec("PRAGMA journal_mode = WAL");
  setup.close();

  const registry = new StreamRegistry(path, {
    idleMs: options.idleStreamMs ?? IDLE_STREAM_MS,
    busyRetryMs: options.busyRetryMs,
  });
  let unavailableUntil = 0;
  const setUnavailable = (ms: number) => {
    unavailableUntil = ms > 0 ? Date.now() + ms : 0;
  };
  const app = buildApp(registry, {
    authToken: options.authToken,
    unavailableUntil: () => unavailableUntil,
    setUnavailable,
  });

  const hostname = options.hostname ?? "127.0.0.1";
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: options.port ?? 0, hostname, onListen: (addr) => resolve(addr as Deno.NetAddr) },
    app.fetch,
  );
  const addr = await listening;
  const urlHost = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${addr.port}`,
    port: addr.port,
    path,
    setUnavailable,
    openStreams: () => registry.size,
    close() {
      closing ??= (async () => {
        await server.shutdown();
        registry.closeAll();
        if (isTemporary) {
          for (const file of [path, `${path}-wal`, `${path}-shm`]) {
            await Deno.remove(file).catch((error) => {
              if (!(error instanceof Deno.errors.NotFound)) throw error;
            });
          }
        }
      })();
      return closing;
    },
  };
}
