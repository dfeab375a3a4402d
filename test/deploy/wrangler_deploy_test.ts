/**
 * `npm run wrangler -- deploy --dry-run` on a fresh clone: a copy of the
 * tracked sources with no dist/ (node_modules linked, as `npm ci` leaves
 * it). wrangler.toml's `[build]` must produce the console before wrangler
 * reads `[assets]`, or the deploy fails as it did.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
/** What the Worker and its build read; everything else of the repository is irrelevant to it. */
const SOURCES = ["edge", "shared", "ui", "scripts", "wrangler.toml", "deno.json", "package.json"];

async function freshClone(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-clone-" });
  for (const path of SOURCES) {
    const copy = new Deno.Command("cp", { args: ["-R", `${ROOT}${path}`, `${dir}/${path}`] });
    assert.equal((await copy.output()).code, 0, `copied ${path}`);
  }
  await Deno.symlink(`${ROOT}node_modules`, `${dir}/node_modules`);
  return dir;
}

Deno.test("wrangler deploy --dry-run succeeds on a fresh clone and ships the console", async () => {
  const dir = await freshClone();
  try {
    const deploy = new Deno.Command("npm", {
      args: ["run", "wrangler", "--", "deploy", "--dry-run", "--outdir", `${dir}/out`],
      cwd: dir,
      env: {
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        CI: "true",
      },
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stdout, stderr } = await deploy.output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, output);
    assert.match(output, /\[custom build\] Running: /);
    assert.match(output, /ui: built dist\/ui \(assets\/main-[A-Z0-9]+\.js\)/);
    assert.match(output, /Read \d+ files from the assets directory/);
    assert.match(output, /--dry-run: exiting now\./);
    const index = await Deno.readTextFile(`${dir}/dist/ui/index.html`);
    assert.match(index, /assets\/main-[A-Z0-9]+\.js/);
    // The Worker bundle itself was built too.
    assert.ok((await Deno.stat(`${dir}/out/index.js`)).size > 10_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
