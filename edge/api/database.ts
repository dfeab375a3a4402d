import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "../../shared/db/schema.ts";
import type { Env } from "../env.ts";
import { guardedClient } from "./database_guard.ts";

/**
 * The console's read path into libSQL over HTTP (one client per request; it
 * holds no socket). An unreachable database surfaces as a 503 (database_guard.ts).
 */
export function databaseOf(env: Env) {
  const client = createClient({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN });
  return drizzle(guardedClient(client, env.LIBSQL_URL), { schema });
}

export type Database = ReturnType<typeof databaseOf>;
