/**
 * `deno task ui:build`: bundles the console (ui/main.tsx) with esbuild into
 * dist/ui/ — content-hashed files under assets/, an index.html that names
 * them, and a `_headers` file that Workers static assets apply: hashed files
 * are cached for a year, immutable (their name changes with their content);
 * index.html keeps the platform's default `max-age=0, must-revalidate`; every
 * response gets a strict CSP.
 *
 * Safe to run while `wrangler dev` serves dist/ui and from several processes
 * at once: builds take a file lock, new hashed files land before index.html
 * names them, and index.html is replaced by rename.
 *
 * @module
 */
import * as esbuild from "esbuild";

const ROOT = new URL("../", import.meta.url).pathname;
const OUT = `${ROOT}dist/ui`;
const ASSETS = "assets";

const HEADERS = `# Written by scripts/build_ui.ts; read by Workers static assets.
/*
  Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  X-Frame-Options: DENY
/${ASSETS}/*
  Cache-Control: public, max-age=31536000, immutable
`;

/**
 * `import { z } from "zod"` binds zod's namespace as one value, which esbuild
 * cannot tree-shake (Rollup can), so every zod locale lands in the bundle
 * (~500 kB). Read as `import * as z from "zod"`, the same code bundles to
 * ~140 kB. Only that exact line changes; types are identical.
 */
const shakeableZod: esbuild.Plugin = {
  name: "shakeable-zod",
  setup(build) {
    build.onLoad({ filter: /\/(shared|ui)\/.*\.tsx?$/ }, async (args) => {
      const source = await Deno.readTextFile(args.path);
      return {
        contents: source.replace(/^import \{ z \} from "zod";$/m, 'import * as z from "zod";'),
        loader: args.path.endsWith(".tsx") ? "tsx" : "ts",
      };
    });
  },
};

/** What a build produced, relative to dist/ui. */
export interface UiBuild {
  script: string;
  stylesheet: string | null;
  files: string[];
}

/** Builds the console into dist/ui; returns the entry files it wrote. */
export async function buildUi(options: { minify?: boolean } = {}): Promise<UiBuild> {
  await Deno.mkdir(`${OUT}/${ASSETS}`, { recursive: true });
  using lock = await Deno.open(`${ROOT}dist/.ui-build.lock`, { create: true, write: true });
  await lock.lock(true);
  const result = await esbuild.build({
    // The stylesheet is its own entry: TypeScript (and `deno check`) cannot import CSS.
    entryPoints: [`${ROOT}ui/main.tsx`, `${ROOT}ui/styles.css`],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox120", "safari17"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "none",
    entryNames: `${ASSETS}/[name]-[hash]`,
    assetNames: `${ASSETS}/[name]-[hash]`,
    outdir: OUT,
    metafile: true,
    write: false,
    logLevel: "warning",
    plugins: [shakeableZod],
  });
  await esbuild.stop();
  const written: string[] = [];
  let script = "";
  let stylesheet: string | null = null;
  for (const file of result.outputFiles) {
    const name = file.path.slice(OUT.length + 1);
    await Deno.writeFile(file.path, file.contents);
    written.push(name);
    if (name.endsWith(".js")) script = name;
    if (name.endsWith(".css")) stylesheet = name;
  }
  if (!script) throw new Error("esbuild produced no script");
  await replace(`${OUT}/_headers`, HEADERS);
  await replace(`${OUT}/index.html`, indexHtml(script, stylesheet));
  await removeStale(new Set(written));
  return { script, stylesheet, files: [...written, "_headers", "index.html"] };
}

function indexHtml(script: string, stylesheet: string | null): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Gantry</title>
    ${stylesheet ? `<link rel="stylesheet" href="/${stylesheet}">` : ""}
    <script type="module" src="/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The Gantry console needs JavaScript.</noscript>
  </body>
</html>
`;
}

/** Writes beside `path`, then renames over it, so a reader never sees half a file. */
async function replace(path: string, text: string): Promise<void> {
  const temporary = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, path);
}

/** Removes hashed files of earlier builds. */
async function removeStale(keep: Set<string>): Promise<void> {
  for await (const entry of Deno.readDir(`${OUT}/${ASSETS}`)) {
    const name = `${ASSETS}/${entry.name}`;
    if (entry.isFile && !keep.has(name)) await Deno.remove(`${OUT}/${name}`);
  }
}

if (import.meta.main) {
  const started = performance.now();
  const build = await buildUi({ minify: !Deno.args.includes("--dev") });
  const ms = Math.round(performance.now() - started);
  console.log(
    `ui: built dist/ui (${build.script}${
      build.stylesheet ? `, ${build.stylesheet}` : ""
    }) in ${ms} ms`,
  );
}
