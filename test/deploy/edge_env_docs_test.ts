/**
 * What an operator is told to set is what the edge reads: the table under
 * "Edge secrets and vars" in docs/deploy.md and `.dev.vars.example` name exactly the secrets
 * and vars of `edge/env.ts` (derived from the file, so a var added there
 * fails this test until it is documented), and nothing the README calls a
 * secret sits in plain text in wrangler.toml.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

/**
 * The string settings of the Worker's environment: upper-case members of
 * edge/env.ts (interface fields or zod object keys), bindings left out.
 */
export function edgeEnvKeys(source: string): string[] {
  const keys = new Set<string>();
  for (const match of source.matchAll(/^\s+([A-Z][A-Z0-9_]*)\??\s*:\s*(.+)$/gm)) {
    const type = match[2];
    if (/DurableObjectNamespace|Fetcher|Queue<|KVNamespace|R2Bucket|D1Database/.test(type)) {
      continue;
    }
    keys.add(match[1]);
  }
  return [...keys].sort();
}

/** Rows of the first table under `## Edge secrets and vars`: name → kind. */
export function documentedSettings(doc: string): Map<string, string> {
  const section = doc.split(/^## /m).find((part) => part.startsWith("Edge secrets and vars"));
  if (!section) throw new Error("docs/deploy.md has no '## Edge secrets and vars' section");
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\w+)\s*\|/gm)) {
    rows.set(match[1], match[2]);
  }
  return rows;
}

/** Names in a `.dev.vars` file, set (`NAME=`) or shown commented out (`# NAME=`). */
export function devVarsKeys(text: string): string[] {
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
}

/** Names set (not commented out) in wrangler.toml's `[vars]` table. */
export function wranglerVars(toml: string): string[] {
  const table = toml.split(/^\[/m).find((part) => part.startsWith("vars]")) ?? "";
  return [...table.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm)].map((m) => m[1]).sort();
}

const env = edgeEnvKeys(await read("edge/env.ts"));
const documented = documentedSettings(await read("docs/deploy.md"));

Deno.test("the env parser finds the edge's settings and skips its bindings", () => {
  assert.ok(env.includes("RUNNER_CONFIG_KEY") && env.includes("METRICS_TOKEN"));
  assert.ok(env.includes("GITHUB_WEBHOOK_SECRET_PREVIOUS"), "optional members count");
  assert.ok(!env.includes("JOB_QUEUE") && !env.includes("ASSETS"), "bindings are not settings");
  assert.deepEqual(
    edgeEnvKeys(
      "const Env = z.object({\n  A_KEY: z.string(),\n  QUEUE: z.custom<DurableObjectNamespace>(),\n});",
    ),
    ["A_KEY"],
  );
});

Deno.test("the secrets and vars table of docs/deploy.md names exactly what edge/env.ts reads", () => {
  assert.deepEqual([...documented.keys()].sort(), env);
  for (const [name, kind] of documented) {
    assert.ok(kind === "secret" || kind === "var", `${name}: kind is secret or var, not ${kind}`);
  }
});

Deno.test(".dev.vars.example names exactly what edge/env.ts reads", async () => {
  assert.deepEqual(devVarsKeys(await read(".dev.vars.example")), env);
});

Deno.test("wrangler.toml sets only vars docs/deploy.md lists as vars, never a secret", async () => {
  const vars = wranglerVars(await read("wrangler.toml"));
  assert.ok(vars.includes("WEBHOOK_MAX_BYTES"), "the [vars] parser finds the table");
  assert.deepEqual(vars.filter((name) => documented.get(name) !== "var"), []);
});
