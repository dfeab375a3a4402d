/**
 * The mutation switch (test/support/mutation/worker.ts) cannot be turned on
 * in a deployed Worker: the deploy bundle, built from wrangler.toml as
 * `wrangler deploy` builds it, holds no trace of it (nor of the queue alarm
 * route of test/support/queue_alarm/worker.ts), and an edge run from
 * wrangler.toml with the switch's var set still does not answer it.
 */
import assert from "node:assert/strict";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { MUTATION_HOOK_VAR, MUTATION_RUN_PATH } from "../support/mutation/run_path.ts";
import { QUEUE_ALARM_PATH } from "../support/queue_alarm/path.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the deploy bundle holds no mutation switch", async () => {
  const toml = await Deno.readTextFile(`${ROOT}wrangler.toml`);
  assert.match(toml, /^main = "edge\/index.ts"$/m);
  const outdir = await Deno.makeTempDir({ prefix: "gantry-deploy-bundle-" });
  try {
    const bundled = await new Deno.Command("node", {
      args: [
        `${ROOT}node_modules/wrangler/bin/wrangler.js`,
        "deploy",
        "--dry-run",
        "--outdir",
        outdir,
      ],
      cwd: ROOT,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? ROOT,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(bundled.success, new TextDecoder().decode(bundled.stderr));
    const bundle = await Deno.readTextFile(`${outdir}/index.js`);
    assert.ok(bundle.includes("/core/v1/lease"), "the bundle is the edge");
    for (const trace of [MUTATION_RUN_PATH, MUTATION_HOOK_VAR, "__stryker__", QUEUE_ALARM_PATH]) {
      assert.ok(!bundle.includes(trace), `the deploy bundle mentions ${trace}`);
    }
  } finally {
    await Deno.remove(outdir, { recursive: true });
  }
});

Deno.test("an edge run from wrangler.toml ignores the switch, var or not", async () => {
  const keys = await coreKeyPair();
  const edge = await startEdge(
    {
      GITHUB_WEBHOOK_SECRET: "mutation-hook-secret",
      CORE_PUBLIC_KEYS: keys.jwks,
      SESSION_SECRET: "mutation-hook-session-secret-0123456789",
      LIBSQL_URL: "http://127.0.0.1:9",
      [MUTATION_HOOK_VAR]: "on",
    } as Parameters<typeof startEdge>[0],
  );
  try {
    const response = await fetch(`${edge.url}${MUTATION_RUN_PATH}`, {
      method: "POST",
      body: JSON.stringify({ mutant: "1", run: "hook-test" }),
    });
    const body = await response.text();
    // Not a Worker route: the console's assets answer, and refuse a POST.
    assert.equal(response.status, 405);
    assert.ok(!body.includes("hook-test"));
  } finally {
    await edge.stop();
  }
});
