/**
 * Reads the core's YAML config, applies GANTRY_* env overrides, validates it,
 * and resolves `*_file` secrets. Every problem is reported by key path.
 */
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { InvalidError } from "../../shared/errors.ts";
import { type CoreConfig, parseCoreConfig } from "../../shared/schema/config.ts";

/** The config with every secret read from its file. */
export interface ResolvedConfig extends CoreConfig {
  secrets: {
    edgePrivateKey: string;
    githubPrivateKey: string;
    databaseAuthToken?: string;
    awsSecretAccessKey?: string;
  };
}

async function readSecret(
  inline: string | undefined,
  file: string | undefined,
  key: string,
): Promise<string | undefined> {
  if (inline) return inline;
  if (!file) return undefined;
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch (cause) {
    throw new InvalidError(`${key}_file: cannot read ${file}`, {
      cause,
      issues: [{ path: `${key}_file`, message: `cannot read ${file}` }],
    });
  }
}

/** Loads and validates `path`; throws InvalidError listing every issue. */
export async function loadConfig(
  path: string,
  env: Record<string, string | undefined>,
): Promise<ResolvedConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(await Deno.readTextFile(path)) ?? {};
  } catch (cause) {
    throw new InvalidError(`cannot read config ${path}: ${(cause as Error).message}`, { cause });
  }
  const result = parseCoreConfig(raw, env);
  if (!result.ok) {
    throw new InvalidError(`invalid config ${path}`, { issues: result.issues });
  }
  const config = result.config;
  const edgePrivateKey = await readSecret(
    config.edge.private_key,
    config.edge.private_key_file,
    "edge.private_key",
  );
  const githubPrivateKey = await readSecret(
    config.github.private_key,
    config.github.private_key_file,
    "github.private_key",
  );
  if (!edgePrivateKey || !githubPrivateKey) {
    throw new InvalidError(`invalid config ${path}`, {
      issues: [
        ...(edgePrivateKey ? [] : [{ path: "edge.private_key", message: "required" }]),
        ...(githubPrivateKey ? [] : [{ path: "github.private_key", message: "required" }]),
      ],
    });
  }
  return {
    ...config,
    // A relative buffer file lives next to the config, not wherever the core was started.
    database: {
      ...config.database,
      buffer_path: resolve(dirname(path), config.database.buffer_path),
    },
    secrets: {
      edgePrivateKey,
      githubPrivateKey,
      databaseAuthToken: await readSecret(
        config.database.auth_token,
        config.database.auth_token_file,
        "database.auth_token",
      ),
      awsSecretAccessKey: await readSecret(
        config.aws.secret_access_key,
        config.aws.secret_access_key_file,
        "aws.secret_access_key",
      ),
    },
  };
}
