/**
 * libSQL's native addon stays out of the test runner (docs/testing.md): only
 * the libSQL server process (./main.ts) and the core's `file:` path load it.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { openDatabase } from "../../../core/db/database.ts";
import { startLibsqlServer } from "./server.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** Modules that may import the native engine: the server process's own, and benchmarks. */
const ALLOWED = [
  "test/support/libsql/hrana_server.ts",
  "test/support/libsql/sql_connection.ts",
  "test/bench/",
];

/**
 * A static import of the native engine: `libsql`, `@libsql/client`'s node
 * entry, or drizzle's `drizzle-orm/libsql`, which imports that entry (its
 * `/web` one does not).
 */
const NATIVE_IMPORT =
  /^import (?!type )[^;]*?from "(libsql|@libsql\/client|@libsql\/client\/node|drizzle-orm\/libsql)";/ms;
const NATIVE_DYNAMIC = /import\("(libsql|@libsql\/client|@libsql\/client\/node)"\)/;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "node_modules") yield* sources(path);
    if (entry.isFile && /\.tsx?$/.test(entry.name)) yield path;
  }
}

Deno.test("no test module, and no product module, imports the native engine statically", async () => {
  const offenders: string[] = [];
  for (const dir of ["test", "core", "edge", "shared", "ui"]) {
    for await (const path of sources(dir)) {
      if (ALLOWED.some((allowed) => path.startsWith(allowed))) continue;
      const text = await Deno.readTextFile(`${ROOT}${path}`);
      const isTest = path.startsWith("test/") || path.endsWith("_test.ts");
      // Product code may load it on demand, in one place, for local files only.
      const isDynamicAllowed = path === "core/db/libsql_client.ts";
      if (
        NATIVE_IMPORT.test(text) || (NATIVE_DYNAMIC.test(text) && (isTest || !isDynamicAllowed))
      ) {
        offenders.push(path);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("talking to libSQL over HTTP, as tests and the core do, maps no native addon", async () => {
  const server = await startLibsqlServer();
  const { client } = await openDatabase(server.url);
  const web = createClient({ url: server.url });
  try {
    assert.equal((await client.execute("SELECT 41 + 1 AS n")).rows[0].n, 42);
    assert.equal((await web.execute("SELECT 'web' AS entry")).rows[0].entry, "web");
    // The server process has the addon mapped; this one (the test runner) must not.
    const mapped = (path: string) =>
      Deno.readTextFile(path).then((maps) =>
        maps.split("\n").filter((line) => /\/@?libsql[^ ]*\.node$/.test(line)).length
      );
    assert.equal(await mapped("/proc/self/maps"), 0, "the test runner loaded libSQL's addon");
    assert.ok(
      await mapped(`/proc/${server.process.pid}/maps`) +
          await childrenMapped(server.process.pid, mapped) > 0,
      "the server process runs the native engine",
    );
  } finally {
    client.close();
    web.close();
    await server.close();
  }
});

/** Addon mappings in the descendants of `pid` (the server runs under `setsid`, which execs). */
async function childrenMapped(
  pid: number,
  mapped: (path: string) => Promise<number>,
): Promise<number> {
  const children = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  let total = 0;
  for (const child of children.trim().split(/\s+/).filter(Boolean)) {
    total += await mapped(`/proc/${child}/maps`) + await childrenMapped(Number(child), mapped);
  }
  return total;
}
