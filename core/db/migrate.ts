import type { Client } from "@libsql/client";
import { MIGRATIONS } from "../../shared/db/migrations.ts";

/**
 * Applies the embedded drizzle-kit migrations not yet recorded, each in one
 * atomic batch, so a crash mid-way leaves the database at a known version.
 * Returns the tags applied.
 */
export async function migrate(client: Client): Promise<string[]> {
  await client.execute(
    "CREATE TABLE IF NOT EXISTS gantry_migrations (tag TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const done = new Set(
    (await client.execute("SELECT tag FROM gantry_migrations")).rows.map((r) => String(r.tag)),
  );
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.tag)) continue;
    await client.batch([
      ...migration.statements,
      {
        sql: "INSERT INTO gantry_migrations (tag, applied_at) VALUES (?, ?)",
        args: [migration.tag, Date.now()],
      },
    ], "write");
    applied.push(migration.tag);
  }
  return applied;
}
