/**
 * Opens a libSQL client for a URL. A remote database (`libsql:`, `https:`,
 * `http:`, `wss:`, `ws:`) goes through `@libsql/client/web`, which is plain
 * JavaScript over fetch and WebSocket; only a local one (`file:`, `:memory:`)
 * loads the native libSQL engine (`@libsql/client`'s node entry), imported
 * on first use. So a process that only talks to a libSQL server never loads
 * the native addon: see docs/testing.md for the crash it caused in parallel
 * test workers.
 */
import type { Client, Config } from "@libsql/client";
import { createClient as createRemoteClient } from "@libsql/client/web";

/** Whether `url` names a database this process opens itself (the native engine). */
export function isLocalUrl(url: string): boolean {
  return url === ":memory:" || /^file:/i.test(url);
}

export async function openLibsqlClient(config: Config): Promise<Client> {
  if (!isLocalUrl(config.url)) return createRemoteClient(config);
  const { createClient } = await import("@libsql/client");
  return createClient(config);
}
