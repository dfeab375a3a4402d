/**
 * The core's adapters wired to a fresh libSQL server (its own process) and
 * the EC2 emulator over HTTP (the unmodified SDK), for tests of the scheduler
 * and reaper without the edge.
 */
import { ec2ProviderFor } from "./ec2_provider.ts";
import { openDatabase } from "../../core/db/database.ts";
import { migrate } from "../../core/db/migrate.ts";
import { Store } from "../../core/db/store.ts";
import { createLogger } from "../../core/log.ts";
import { type Ec2EmulatorOptions, startEc2Emulator } from "./ec2/emulator.ts";
import { startLibsqlServer } from "./libsql/server.ts";

/** `emulator` sets the EC2 emulator's clock and consistency lag. */
export async function startCoreStack(options: { emulator?: Ec2EmulatorOptions } = {}) {
  const ec2Emulator = await startEc2Emulator(options.emulator);
  const libsql = await startLibsqlServer();
  const { client, db } = await openDatabase(libsql.url);
  await migrate(client);
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json" }, (line) => lines.push(line));
  const aws = ec2ProviderFor(ec2Emulator, log);
  const provider = aws.provider;
  return {
    ec2Emulator,
    store: new Store(client, db),
    db,
    provider,
    log,
    lines,
    async close() {
      client.close();
      aws.destroy();
      await Promise.all([ec2Emulator.close(), libsql.close()]);
    },
  };
}
