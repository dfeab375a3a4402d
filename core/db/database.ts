import { type Client, createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "../../shared/db/schema.ts";

/** Opens libSQL (`file:`, `http(s)://` or `libsql://`) with drizzle over it. */
export function openDatabase(url: string, authToken?: string) {
  const client: Client = createClient({ url, authToken });
  return { client, db: drizzle(client, { schema }) };
}

export type Database = ReturnType<typeof openDatabase>["db"];
