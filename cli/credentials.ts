/**
 * Where `gantry login` keeps the edge's URL and the session token:
 * `$XDG_CONFIG_HOME/gantry/credentials.json`, else
 * `~/.config/gantry/credentials.json`, the file mode 0600 and its folder
 * 0700, so no other user of the machine can read the token.
 * `GANTRY_URL` and `GANTRY_TOKEN` override the file (for CI jobs).
 */
import { z } from "zod";
import { CliError, EXIT } from "./exit_codes.ts";

export const Credentials = z.object({
  url: z.string().url(),
  token: z.string().min(1),
  email: z.string().nullable().default(null),
  /** When the session ends, epoch ms (unknown for a token given by hand). */
  expiresAt: z.number().nullable().default(null),
});
export type Credentials = z.infer<typeof Credentials>;

/** The config folder for `env` (XDG first). */
export function configDirOf(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return `${xdg}/gantry`;
  if (!env.HOME) throw new CliError(EXIT.error, "neither XDG_CONFIG_HOME nor HOME is set");
  return `${env.HOME}/.config/gantry`;
}

export function credentialsPathOf(env: Record<string, string | undefined>): string {
  return `${configDirOf(env)}/credentials.json`;
}

/** Writes the credentials with mode 0600 (re-applied, should the file exist with another). */
export async function saveCredentials(
  credentials: Credentials,
  env: Record<string, string | undefined>,
): Promise<string> {
  const dir = configDirOf(env);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = credentialsPathOf(env);
  await Deno.writeTextFile(path, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  await Deno.chmod(path, 0o600);
  return path;
}

export async function removeCredentials(env: Record<string, string | undefined>): Promise<boolean> {
  try {
    await Deno.remove(credentialsPathOf(env));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The credentials to use: the environment's, else the file's; none is exit 3. */
export async function loadCredentials(
  env: Record<string, string | undefined>,
  urlOverride?: string,
): Promise<Credentials> {
  if (env.GANTRY_TOKEN) {
    const url = urlOverride ?? env.GANTRY_URL;
    if (!url) throw new CliError(EXIT.usage, "GANTRY_TOKEN is set but not GANTRY_URL (or --url)");
    return { url, token: env.GANTRY_TOKEN, email: null, expiresAt: null };
  }
  const path = credentialsPathOf(env);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new CliError(EXIT.unauthorized, "not signed in: run `gantry login --url <edge url>`");
  }
  const parsed = Credentials.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new CliError(EXIT.unauthorized, `${path} is not a gantry credentials file: log in again`);
  }
  return urlOverride ? { ...parsed.data, url: urlOverride } : parsed.data;
}
