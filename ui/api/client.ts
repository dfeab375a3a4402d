/**
 * The console's API client: one method per route it uses, every answer
 * parsed with the same zod schemas the edge answers with. Models take an
 * {@link ApiClient}; tests hand them a fake one.
 *
 * @module
 */
import type { z } from "zod";
import { ErrorBody, type JobsListQuery, JobsListResponse } from "../../shared/schema/api.ts";
import {
  AuthOptions,
  JobDetailResponse,
  OverviewResponse,
  SessionView,
} from "../../shared/schema/console.ts";
import { type ConfigApi, createConfigApi } from "./config_client.ts";

/** The jobs list's filters and page position, as the API takes them. */
export type JobsRequest = Partial<JobsListQuery>;

/** What the console asks of the edge. */
export interface ApiClient {
  authOptions(): Promise<AuthOptions>;
  /** @throws {ApiError} 401 when no one is signed in. */
  me(): Promise<SessionView>;
  login(email: string, password: string): Promise<SessionView>;
  logout(): Promise<void>;
  overview(windowHours?: number): Promise<OverviewResponse>;
  jobs(request: JobsRequest): Promise<JobsListResponse>;
  job(id: string): Promise<JobDetailResponse>;
  /** Projects, repo bindings, pools and backup. */
  config: ConfigApi;
}

/** An error answer from the API, or a failure to reach it (`status` 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: readonly { path: string; message: string }[];
  /** Seconds to wait, from a 429's Retry-After. */
  readonly retryAfterSeconds: number | null;
  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      issues?: readonly { path: string; message: string }[];
      retryAfterSeconds?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** How to reach the API. */
export interface ApiClientOptions {
  /** Defaults to the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called when a signed-in call answers 401: the session ended. */
  onUnauthorized?: () => void;
}

/**
 * The JSON round trip every console client shares: `call` parses a 2xx answer
 * with `schema` and throws {@link ApiError} otherwise (a 401 outside a
 * session check tells `onUnauthorized`); `send` is the bare request.
 */
export function createJsonCaller(options: ApiClientOptions = {}) {
  const base = options.baseUrl ?? "";
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<T extends z.ZodType>(
    schema: T,
    path: string,
    init: { method?: string; body?: unknown; isSessionCheck?: boolean } = {},
  ): Promise<z.infer<T>> {
    const response = await send(path, init);
    if (!response.ok) {
      const error = await errorOf(response);
      if (error.status === 401 && !init.isSessionCheck) options.onUnauthorized?.();
      throw error;
    }
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) {
      throw new ApiError(response.status, "bad_response", `unexpected answer from ${path}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  async function send(path: string, init: { method?: string; body?: unknown }): Promise<Response> {
    try {
      return await fetcher(`${base}${path}`, {
        method: init.method ?? "GET",
        credentials: "same-origin",
        headers: init.body === undefined
          ? { accept: "application/json" }
          : { accept: "application/json", "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (cause) {
      throw new ApiError(0, "unreachable", "cannot reach the Gantry edge; check your connection", {
        cause,
      });
    }
  }

  return { call, send };
}

/** An {@link ApiClient} over HTTP. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const { call, send } = createJsonCaller(options);

  return {
    authOptions: () => call(AuthOptions, "/api/v1/auth/options"),
    me: () => call(SessionView, "/api/v1/auth/me", { isSessionCheck: true }),
    login: (email, password) =>
      call(SessionView, "/api/v1/auth/login", {
        method: "POST",
        body: { email, password },
        isSessionCheck: true,
      }),
    async logout() {
      const response = await send("/api/v1/auth/logout", { method: "POST", body: {} });
      if (!response.ok) throw await errorOf(response);
    },
    overview: (windowHours) =>
      call(OverviewResponse, `/api/v1/overview${windowHours ? `?windowHours=${windowHours}` : ""}`),
    jobs: (request) => call(JobsListResponse, `/api/v1/jobs${queryOf(request)}`),
    job: (id) => call(JobDetailResponse, `/api/v1/jobs/${encodeURIComponent(id)}`),
    config: createConfigApi(call),
  };
}

/** `?a=1&b=2` from the defined, non-empty values of `params`, or "". */
export function queryOf(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The {@link ApiError} an error answer carries. */
async function errorOf(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get("retry-after"));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch (cause) {
    return new ApiError(response.status, `http_${response.status}`, response.statusText, {
      cause,
      retryAfterSeconds,
    });
  }
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) {
    return new ApiError(response.status, `http_${response.status}`, response.statusText, {
      retryAfterSeconds,
    });
  }
  const { code, message, issues } = parsed.data.error;
  return new ApiError(response.status, code, message, { issues, retryAfterSeconds });
}
