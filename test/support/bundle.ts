/**
 * Bundles the core (`deno bundle`, as `deno task bundle` does) into a fresh
 * folder under dist/, so parallel tests never overwrite each other's file. It
 * stays inside the repository because the bundle loads libSQL's native addon
 * from node_modules.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

export async function bundleCore(): Promise<string> {
  const dir = `${ROOT}dist/test-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir, { recursive: true });
  const out = `${dir}/gantry-core.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "deno", "-o", out, "core/main.ts"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(result.stderr)}`);
  }
  return out;
}

/** Bundles the CLI (`deno task bundle` writes dist/gantry.js) into a fresh folder under dist/. */
export async function bundleCli(): Promise<string> {
  const dir = `${ROOT}dist/test-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir, { recursive: true });
  const out = `${dir}/gantry.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "deno", "-o", out, "cli/main.ts"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(result.stderr)}`);
  }
  return out;
}
