/**
 * Bundles the core and the CLI as `deno task bundle` does (scripts/bundle.ts)
 * into a fresh folder under dist/, so parallel tests never overwrite each
 * other's file. It stays inside the repository because the bundle loads
 * libSQL's native addon from node_modules.
 */
import { bundle } from "../../scripts/bundle.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function bundleInFreshDir(entry: string, name: string): Promise<string> {
  const dir = `${ROOT}dist/test-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir, { recursive: true });
  const out = `${dir}/${name}`;
  await bundle(entry, out);
  return out;
}

/** Bundles the core (`deno task bundle` writes dist/gantry-core.js) into a fresh folder under dist/. */
export function bundleCore(): Promise<string> {
  return bundleInFreshDir("core/main.ts", "gantry-core.js");
}

/** Bundles the CLI (`deno task bundle` writes dist/gantry.js) into a fresh folder under dist/. */
export function bundleCli(): Promise<string> {
  return bundleInFreshDir("cli/main.ts", "gantry.js");
}
