/**
 * Run the libSQL test server as its own process:
 *
 * ```sh
 * npx deno run -A test/support/libsql/main.ts --port 8080 --path gantry.db [--auth-token X]
 * ```
 *
 * It prints `libSQL (Hrana over HTTP) listening on http://127.0.0.1:PORT` once
 * ready and serves until SIGINT or SIGTERM. `--port 0` picks a free port.
 * Tests start it through ./server.ts, so libSQL's native addon is loaded here
 * and never in the test runner (docs/testing.md).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serveLibsql } from "./hrana_server.ts";

/** A non-negative whole number from a flag, or exit 2 with what was wrong. */
function wholeNumber(name: string, text: string | undefined, max = Number.MAX_SAFE_INTEGER) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    console.error(`--${name} must be an integer between 0 and ${max}, got ${text}`);
    Deno.exit(2);
  }
  return value;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "8080" },
      hostname: { type: "string", default: "127.0.0.1" },
      path: { type: "string" },
      "auth-token": { type: "string" },
      "idle-stream-ms": { type: "string" },
      "busy-retry-ms": { type: "string" },
    },
  });
  const server = await serveLibsql({
    port: wholeNumber("port", values.port, 65_535),
    hostname: values.hostname,
    path: values.path,
    authToken: values["auth-token"],
    idleStreamMs: wholeNumber("idle-stream-ms", values["idle-stream-ms"]),
    busyRetryMs: wholeNumber("busy-retry-ms", values["busy-retry-ms"]),
  });
  console.log(`libSQL (Hrana over HTTP) listening on ${server.url}`);
  console.log(`database file: ${server.path}`);

  const stop = async () => {
    await server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
