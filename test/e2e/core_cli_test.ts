/** The core's command line, from source and bundled: help, version, config checking. */
import assert from "node:assert/strict";
import { stringify as toYaml } from "yaml";
import { VERSION } from "../../core/version.ts";
import { REQUIRE_BANNER } from "../../scripts/bundle.ts";
import { bundleCore } from "../support/bundle.ts";
import { compiledV8Flags } from "../support/core_v8_flags.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function core(entry: string, args: string[], env: Record<string, string> = {}) {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry, ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, stdout: decode(result.stdout), stderr: decode(result.stderr) };
}

Deno.test("the bundled core runs: --help exits 0", async () => {
  const bundle = await bundleCore();
  const help = await core(bundle, ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /gantry-core/);
  assert.match(help.stdout, /--check-config/);
  const version = await core(bundle, ["--version"]);
  assert.equal(version.stdout.trim(), VERSION);
  const source = await Deno.readTextFile(bundle);
  // A non-ASCII character anywhere makes V8 hold a two-byte copy of the whole source.
  assert.equal(/[\u0080-\uffff]/.exec(source), null);
  // Minified (V8 keeps the source: 2.3 MB, where unminified it is 4.8), and given its `require`.
  assert.ok(source.length < 3_000_000, `${source.length} characters: not minified`);
  assert.ok(source.startsWith(REQUIRE_BANNER));
});

Deno.test("the compiled binary carries the V8 flags its memory figures were measured with", async () => {
  // docs/operations.md "Memory"; the burst bench runs the bundle with these same flags.
  assert.equal(await compiledV8Flags(), "--v8-flags=--optimize-for-size,--max-semi-space-size=2");
});

Deno.test("--check-config lists every problem by key path and exits 2", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/bad.yaml`,
    toYaml({
      edge: { private_key_file: "/nowhere" },
      database: { url: "postgres://nope" },
      aws: { max_attempts: "many" },
      github: { app_id: 1, private_key_file: "/nowhere" },
      projects: [{ name: "p", tags: { "gantry:job": "x" } }],
    }),
  );
  const result = await core("core/main.ts", ["--config", `${dir}/bad.yaml`, "--check-config"]);
  assert.equal(result.code, 2, result.stderr);
  for (
    const path of ["edge.url", "database.url", "aws.max_attempts", "projects.0.tags.gantry:job"]
  ) {
    assert.ok(result.stderr.includes(path), `mentions ${path}:\n${result.stderr}`);
  }
});

Deno.test("--check-config accepts a valid file, with env overrides and secrets from files", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/core.pem`,
    "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
  );
  await Deno.writeTextFile(
    `${dir}/gh.pem`,
    "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n",
  );
  await Deno.writeTextFile(
    `${dir}/gantry.yaml`,
    toYaml({
      edge: { url: "https://edge.example.com", private_key_file: `${dir}/core.pem` },
      database: { url: "file:gantry.db" },
      github: { app_id: 12, private_key_file: `${dir}/gh.pem` },
    }),
  );
  const ok = await core("core/main.ts", ["--config", `${dir}/gantry.yaml`, "--check-config"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /ok/);
  const overridden = await core("core/main.ts", [
    "--config",
    `${dir}/gantry.yaml`,
    "--check-config",
  ], {
    GANTRY_AWS_REGION: "not a region",
  });
  assert.equal(overridden.code, 2);
  assert.match(overridden.stderr, /aws\.region/);
  const missingSecret = await core("core/main.ts", [
    "--config",
    `${dir}/gantry.yaml`,
    "--check-config",
  ], {
    GANTRY_GITHUB_PRIVATE_KEY_FILE: `${dir}/missing.pem`,
  });
  assert.equal(missingSecret.code, 2);
  assert.match(missingSecret.stderr, /github\.private_key_file/);
});
