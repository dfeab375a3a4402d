/**
 * SQL lives only under core/db/: the scheduler, reaper, warm pool, spot
 * retries and reconciler ask named queries, never libSQL or drizzle.
 */
import assert from "node:assert/strict";

const CORE = new URL("../", import.meta.url);

/** Every .ts file under `dir`, as a path relative to core/. */
async function sourcesOf(dir: URL, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      files.push(...await sourcesOf(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

const SQL_MARKS = [
  /from "drizzle-orm/,
  /from "@libsql\/client/,
  /\bstore\.(db|client)\b/,
  /\.execute\(/,
];

Deno.test("no core file outside core/db/ queries libSQL or builds SQL", async () => {
  const offenders: string[] = [];
  for (const path of await sourcesOf(CORE)) {
    if (path.startsWith("db/")) continue;
    const text = await Deno.readTextFile(new URL(path, CORE));
    for (const mark of SQL_MARKS) if (mark.test(text)) offenders.push(`core/${path}: ${mark}`);
  }
  assert.deepEqual(offenders, []);
});
