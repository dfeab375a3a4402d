/**
 * The core's config loading: every secret can come from a file, every key has
 * a GANTRY_* variable, every problem is listed by key path, and
 * docs/configuration.md documents every key.
 */
import assert from "node:assert/strict";
import { stringify as toYaml } from "yaml";
import { loadConfig } from "../../core/config/load_config.ts";
import { InvalidError } from "../../shared/errors.ts";
import { CONFIG_ENV_KEYS } from "../../shared/schema/config.ts";

const EDGE_PEM = "-----BEGIN PRIVATE KEY-----\nedge\n-----END PRIVATE KEY-----";
const GITHUB_PEM = "-----BEGIN RSA PRIVATE KEY-----\ngithub\n-----END RSA PRIVATE KEY-----";

Deno.test("every secret can come from a *_file key, trimmed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = {
      edge: [`${dir}/edge.pem`, EDGE_PEM],
      github: [`${dir}/github.pem`, GITHUB_PEM],
      aws: [`${dir}/aws`, "aws-secret-from-file"],
      db: [`${dir}/db`, "db-token-from-file"],
    };
    for (const [path, value] of Object.values(files)) await Deno.writeTextFile(path, `${value}\n`);
    await Deno.writeTextFile(
      `${dir}/gantry.yaml`,
      toYaml({
        edge: { url: "https://edge.example.com", private_key_file: files.edge[0] },
        database: { url: "http://127.0.0.1:1", auth_token_file: files.db[0] },
        aws: { access_key_id: "AKID", secret_access_key_file: files.aws[0] },
        github: { app_id: 1, private_key_file: files.github[0] },
      }),
    );
    const config = await loadConfig(`${dir}/gantry.yaml`, {});
    assert.deepEqual(config.secrets, {
      edgePrivateKey: EDGE_PEM,
      githubPrivateKey: GITHUB_PEM,
      awsSecretAccessKey: "aws-secret-from-file",
      databaseAuthToken: "db-token-from-file",
    });
    assert.equal(config.database.buffer_path, `${dir}/gantry-buffer.db`, "next to the config");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every key outside lists has a GANTRY_* variable that overrides it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/edge.pem`, EDGE_PEM);
    await Deno.writeTextFile(`${dir}/gantry.yaml`, toYaml({}));
    const config = await loadConfig(`${dir}/gantry.yaml`, {
      GANTRY_EDGE_URL: "https://edge.example.com",
      GANTRY_EDGE_PRIVATE_KEY_FILE: `${dir}/edge.pem`,
      GANTRY_DATABASE_URL: "file:x.db",
      GANTRY_DATABASE_TIMEOUT_MS: "2500",
      GANTRY_GITHUB_APP_ID: "7",
      GANTRY_GITHUB_PRIVATE_KEY: GITHUB_PEM,
      GANTRY_LOG_FILE: "/var/log/gantry.log",
      GANTRY_EDGE_LEASE_SECONDS: "30",
    });
    assert.equal(config.edge.url, "https://edge.example.com");
    assert.equal(config.database.timeout_ms, 2500);
    assert.equal(config.github.app_id, 7);
    assert.equal(config.log.file, "/var/log/gantry.log");
    assert.equal(config.edge.lease_seconds, 30);
    for (const key of CONFIG_ENV_KEYS) {
      assert.equal(key.env, `GANTRY_${key.path.join("_").toUpperCase()}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an invalid config lists every problem by key path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/gantry.yaml`,
      toYaml({
        edge: { url: "ftp://x", private_key: EDGE_PEM, lease_seconds: 0 },
        database: { url: "postgres://x", timeout_ms: "soon" },
        github: { app_id: -1, private_key: GITHUB_PEM },
        log: { level: "loud", file: "" },
      }),
    );
    const error = await loadConfig(`${dir}/gantry.yaml`, {}).catch((e) => e);
    assert.ok(error instanceof InvalidError, String(error));
    const paths = error.issues.map((i: { path: string }) => i.path);
    for (
      const path of [
        "edge.url",
        "edge.lease_seconds",
        "database.url",
        "database.timeout_ms",
        "github.app_id",
        "log.level",
        "log.file",
      ]
    ) {
      assert.ok(paths.includes(path), `${path} in ${paths}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("docs/configuration.md documents every key", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/configuration.md", import.meta.url));
  const missing = CONFIG_ENV_KEYS.map((k) => k.path.join(".")).filter((path) =>
    !doc.includes(`\`${path}\``)
  );
  assert.deepEqual(missing, [], "keys missing from docs/configuration.md");
});
