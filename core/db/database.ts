import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "../../shared/db/schema.ts";
import type { Logger } from "../log.ts";
import { BufferedClient } from "./buffered_client.ts";
import { openLibsqlClient } from "./libsql_client.ts";

/** Opens libSQL (`file:`, `http(s)://` or `libsql://`) with drizzle over it. */
export async function openDatabase(url: string, authToken?: string) {
  const client = await openLibsqlClient({ url, authToken });
  return { client, db: drizzle(client, { schema }) };
}

export type Database = Awaited<ReturnType<typeof openDatabase>>["db"];

/**
 * Opens libSQL behind the outage buffer: writes go to `bufferPath` while
 * libSQL is unreachable and are replayed in order when it returns.
 */
export async function openBufferedDatabase(options: {
  url: string;
  authToken?: string;
  bufferPath: string;
  log: Logger;
  timeoutMs: number;
  retryMs: number;
  refreshMs: number;
}) {
  const client = await BufferedClient.open({
    remote: await openLibsqlClient({ url: options.url, authToken: options.authToken }),
    bufferPath: options.bufferPath,
    log: options.log,
    timeoutMs: options.timeoutMs,
    retryMs: options.retryMs,
    refreshMs: options.refreshMs,
  });
  return { client, db: drizzle(client, { schema }) };
}
