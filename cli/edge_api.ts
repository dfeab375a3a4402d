/**
 * The CLI's calls to the edge's `/api/v1`: the session token as a Bearer
 * token, JSON both ways, and each refusal turned into the exit code it
 * means, with the edge's own message.
 */
import { CliError, EXIT } from "./exit_codes.ts";
import { VERSION } from "../core/version.ts";

const EXIT_OF_STATUS: Record<number, number> = {
  400: EXIT.usage,
  401: EXIT.unauthorized,
  403: EXIT.forbidden,
  404: EXIT.notFound,
  409: EXIT.conflict,
  422: EXIT.usage,
};

export class EdgeApi {
  constructor(readonly url: string, readonly token: string | null) {}

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params}` : "";
    return this.#call<T>("GET", `${path}${search}`);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.#call<T>("POST", path, body);
  }

  /** The raw answer (for sign-in, whose token comes in a cookie). */
  async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(new URL(path, this.url), {
        method,
        headers: {
          "user-agent": `gantry-cli/${VERSION}`,
          accept: "application/json",
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new CliError(
        EXIT.unavailable,
        `cannot reach the edge at ${this.url}: ${(cause as Error).message}`,
      );
    }
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    throw errorOf(response.status, text);
  }
}

/** The edge's `{ error: { code, message } }` as a CliError with its exit code. */
export function errorOf(status: number, text: string): CliError {
  let message = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): its first characters say enough.
  }
  const code = EXIT_OF_STATUS[status] ?? (status >= 500 ? EXIT.unavailable : EXIT.error);
  const hint = status === 401 ? " (run `gantry login`)" : "";
  return new CliError(code, `${message}${hint} [HTTP ${status}]`);
}
