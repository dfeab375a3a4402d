import type { Client } from "@libsql/client";
import { MIGRATIONS } from "../../shared/db/migrations.ts";

/**
 * Applies the embedded drizzle-kit migrations not yet recorded, each in one
 * atomic batch, so a crash mid-way leaves the database at a known version.
 * Several cores may start at once on a new database: a migration's batch
 * records its tag first, so of two cores applying it one commits and the
 * other's batch fails and rolls back whole; that one then finds the tag
 * recorded and moves on. Returns the tags this call applied.
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
    try {
      await client.batch([
        {
          sql: "INSERT INTO gantry_migrations (tag, applied_at) VALUES (?, ?)",
          args: [migration.tag, Date.now()],
        },
        ...migration.statements,
      ], "write");
    } catch (error) {
      if (await isRecorded(client, migration.tag)) continue; // Another core applied it meanwhile.
      throw error;
    }
    applied.push(migration.tag);
  }
  return applied;
}

async function isRecorded(client: Client, tag: string): Promise<boolean> {
  const result = await client.execute({
    sql: "SELECT 1 FROM gantry_migrations WHERE tag = ?",
    args: [tag],
  });
  return result.rows.length > 0;
}
