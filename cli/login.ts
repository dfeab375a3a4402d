/**
 * `gantry login`: signs in with email and password at the edge's local
 * sign-in (the same route as the console, so the same rate limits, lockout
 * and audit apply) and keeps the session token the edge sets, or keeps a
 * token given with `--token` (a session copied from an SSO sign-in) after
 * checking it. `gantry logout` signs the session out at the edge and
 * forgets it.
 */
import type { SessionView } from "../shared/schema/console.ts";
import {
  type Credentials,
  loadCredentials,
  removeCredentials,
  saveCredentials,
} from "./credentials.ts";
import { EdgeApi, errorOf } from "./edge_api.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** The console's session cookie, which carries the token the CLI keeps. */
const SESSION_COOKIE = "__Host-gantry_session";

export async function login(
  options: { url: string; email?: string; token?: string; password?: string },
  io: { env: Record<string, string | undefined>; print: (text: string) => void },
): Promise<void> {
  let token = options.token;
  if (!token) {
    if (!options.email) throw new CliError(EXIT.usage, "login needs --email (or --token)");
    if (!options.password) {
      throw new CliError(
        EXIT.usage,
        "no password: set GANTRY_PASSWORD or pipe it in with --password-stdin",
      );
    }
    const response = await new EdgeApi(options.url, null).send("POST", "/api/v1/auth/login", {
      email: options.email,
      password: options.password,
    });
    if (!response.ok) throw errorOf(response.status, await response.text());
    await response.body?.cancel();
    token = sessionTokenOf(response.headers.getSetCookie()) ?? undefined;
    if (!token) throw new CliError(EXIT.error, "the edge signed in but sent no session cookie");
  }
  // Checks the token (and learns who it is for) before keeping it.
  const session = await new EdgeApi(options.url, token).get<SessionView>("/api/v1/auth/me");
  const credentials: Credentials = {
    url: options.url,
    token,
    email: session.email,
    expiresAt: session.expiresAt,
  };
  const path = await saveCredentials(credentials, io.env);
  io.print(
    `signed in to ${options.url} as ${session.email ?? session.id} (${session.role}); ` +
      `session until ${new Date(session.expiresAt).toISOString()}; token in ${path}`,
  );
}

export async function logout(
  io: { env: Record<string, string | undefined>; print: (text: string) => void },
): Promise<void> {
  let credentials: Credentials | null = null;
  try {
    credentials = await loadCredentials(io.env);
  } catch (error) {
    if (!(error instanceof CliError && error.exitCode === EXIT.unauthorized)) throw error;
  }
  if (credentials) {
    const response = await new EdgeApi(credentials.url, credentials.token).send(
      "POST",
      "/api/v1/auth/logout",
      {},
    );
    await response.body?.cancel();
  }
  const isRemoved = await removeCredentials(io.env);
  io.print(isRemoved ? "signed out" : "not signed in");
}

function sessionTokenOf(cookies: readonly string[]): string | null {
  for (const cookie of cookies) {
    const [pair] = cookie.split(";");
    const at = pair.indexOf("=");
    if (pair.slice(0, at).trim() === SESSION_COOKIE) return pair.slice(at + 1).trim() || null;
  }
  return null;
}
