/**
 * Runs the EC2 emulator as a standalone process, for tests that drive Gantry
 * in another process:
 *
 * ```sh
 * npx deno run -A test/support/ec2/main.ts --port 4566 [--hostname 127.0.0.1] [--pending-ms 0] [--shutdown-ms 0] [--lag]
 * ```
 *
 * `--lag` turns on eventual consistency as the dev stack and drills run it
 * (`LAGGING` in instances.ts).
 *
 * Prints `EC2 emulator listening on http://127.0.0.1:PORT` once ready and
 * runs until SIGINT or SIGTERM. Faults and state are driven over
 * `/_emulator/…` (see control.ts).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { LAGGING, startEc2Emulator } from "./emulator.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "port": { type: "string", default: "4566" },
    "hostname": { type: "string", default: "127.0.0.1" },
    "pending-ms": { type: "string", default: "0" },
    "shutdown-ms": { type: "string", default: "0" },
    "lag": { type: "boolean", default: false },
  },
});

const emulator = await startEc2Emulator({
  port: Number(values.port),
  hostname: values.hostname,
  pendingMs: Number(values["pending-ms"]),
  shutdownMs: Number(values["shutdown-ms"]),
  ...(values.lag ? { consistency: LAGGING } : {}),
});
console.log(`EC2 emulator listening on ${emulator.url}`);

const stop = async () => {
  await emulator.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
