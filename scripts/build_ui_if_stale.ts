/**
 * The `[build]` step of wrangler.toml: builds the console into dist/ui unless
 * it is already newer than every source it comes from. `wrangler deploy` on a
 * fresh clone builds it (nothing else does); `wrangler dev`, which runs the
 * same step at every start (each edge test, the dev stack), reuses a fresh one.
 *
 * @module
 */
import { buildUi } from "./build_ui.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SOURCES = ["ui", "shared", "scripts/build_ui.ts"];

/** Newest modification time under `path` (a file or a directory tree), epoch ms; 0 if missing. */
export async function newestMtime(path: string): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  if (!info.isDirectory) return info.mtime?.getTime() ?? 0;
  let newest = 0;
  for await (const entry of Deno.readDir(path)) {
    newest = Math.max(newest, await newestMtime(`${path}/${entry.name}`));
  }
  return newest;
}

/** Whether dist/ui/index.html is missing or older than a source of the console. */
export async function isUiStale(root = ROOT): Promise<boolean> {
  const built = await newestMtime(`${root}dist/ui/index.html`);
  if (built === 0) return true;
  const sources = await Promise.all(SOURCES.map((path) => newestMtime(`${root}${path}`)));
  return built < Math.max(...sources);
}

if (import.meta.main) {
  if (await isUiStale()) {
    const build = await buildUi({ minify: true });
    console.log(`ui: built dist/ui (${build.script})`);
  } else {
    console.log("ui: dist/ui is up to date");
  }
}
