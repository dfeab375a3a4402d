import assert from "node:assert/strict";
import { MIGRATIONS } from "../db/migrations.ts";
import { rollupMigrationStatements } from "./rollup_sql.ts";

Deno.test("the latest roll-up migration is what rollup_sql.ts generates (raw reads agree with triggers)", () => {
  const migration = MIGRATIONS.find((m) => m.tag === "0006_job_rollup_hourly_triggers");
  assert.ok(migration, "migration 0006 is embedded");
  const statements = migration.statements.map((s) => s.replace(/^--[^\n]*\n/, ""));
  assert.deepEqual(statements, rollupMigrationStatements());
});
