/**
 * `deno task bundle`: `deno bundle` of the core (dist/gantry-core.js) and the
 * CLI (dist/gantry.js), then every non-ASCII character escaped. V8 keeps a
 * script's source for as long as its functions live; an ASCII source stays
 * one byte a character, while a single `→` in a comment makes Deno hand V8 a
 * two-byte copy: 9 MB instead of 4.5 for the core.
 *
 *   deno run -A scripts/bundle.ts                    both, into dist/
 *   deno run -A scripts/bundle.ts core/main.ts out.js one entry
 *
 * @module
 */
const ROOT = new URL("../", import.meta.url).pathname;

/** What `deno task bundle` writes: entry → output, relative to the repository. */
export const BUNDLES = [
  { entry: "core/main.ts", output: "dist/gantry-core.js" },
  { entry: "cli/main.ts", output: "dist/gantry.js" },
] as const;

/**
 * `source` with every character above U+007F written as a `\uXXXX` escape
 * (two, a surrogate pair, above U+FFFF). The escape means the same character
 * in a string, template, regular expression, identifier or comment, so the
 * program is unchanged. A non-ASCII character right after a backslash (an
 * identity escape such as `"\é"`) would become `\\u00e9`, so it is refused.
 */
export function asciiOnly(source: string): string {
  return source.replace(/[\u0080-\uffff]/g, (char, offset: number) => {
    if (source[offset - 1] === "\\") {
      throw new Error(
        `cannot escape ${JSON.stringify(char)} at offset ${offset}: it follows a backslash`,
      );
    }
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/**
 * `deno bundle --minify` leaves out the `require` its unminified output
 * defines, so an npm package's `require("node:crypto")` would throw "Dynamic
 * require … is not supported"; this line, put first, gives it one.
 */
export const REQUIRE_BANNER =
  'import { createRequire as __gantryCreateRequire } from "node:module";' +
  "var require = __gantryCreateRequire(import.meta.url);\n";

/**
 * Bundles `entry` into `output` (paths relative to the repository, or
 * absolute), minified (a shorter source is less for V8 to keep: 2.3 MB, not
 * 4.8, for the core) with names kept for stack traces and error names, and
 * ASCII only.
 */
export async function bundle(entry: string, output: string): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--minify",
      "--keep-names",
      "--platform",
      "deno",
      "-o",
      output,
      entry,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (result.code !== 0) {
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(result.stderr)}`);
  }
  const path = output.startsWith("/") ? output : `${ROOT}${output}`;
  await Deno.writeTextFile(path, REQUIRE_BANNER + asciiOnly(await Deno.readTextFile(path)));
}

if (import.meta.main) {
  const targets = Deno.args.length === 2
    ? [{ entry: Deno.args[0], output: Deno.args[1] }]
    : BUNDLES;
  for (const { entry, output } of targets) {
    await bundle(entry, output);
    console.log(`bundle: ${entry} → ${output}`);
  }
}
