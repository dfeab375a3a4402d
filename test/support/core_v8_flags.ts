/**
 * The V8 flags the shipped binary runs with: `deno task compile` bakes its
 * `--v8-flags=…` into dist/gantry-core. Read from deno.json, so the burst
 * bench runs the bundled core with exactly those flags.
 */
const DENO_JSON = new URL("../../deno.json", import.meta.url);

/** The compile task's `--v8-flags=…` argument, or undefined when it has none. */
export async function compiledV8Flags(): Promise<string | undefined> {
  const config = JSON.parse(await Deno.readTextFile(DENO_JSON));
  const compile = String(config.tasks?.compile ?? "");
  return compile.split(/\s+/).find((arg) => arg.startsWith("--v8-flags="));
}
