/**
 * Run the libSQL test server as its own process:
 *
 * ```sh
 * npx deno run -A test/support/libsql/main.ts --port 8080 --path gantry.db [--auth-token X]
 * ```
 *
 * It prints `libSQL (Hrana over HTTP) listening on http://127.0.0.1:PORT` once
 * ready and serves until SIGINT or SIGTERM. `--port 0` picks a free port.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startLibsqlServer } from "./server.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "8080" },
      hostname: { type: "string", default: "127.0.0.1" },
      path: { type: "string" },
      "auth-token": { type: "string" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be an integer between 0 and 65535, got ${values.port}`);
    Deno.exit(2);
  }
  const server = await startLibsqlServer({
    port,
    hostname: values.hostname,
    path: values.path,
    authToken: values["auth-token"],
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
