import assert from "node:assert/strict";
import { ApiError, createApiClient, queryOf } from "./client.ts";

function fakeFetch(answer: (url: string, init: RequestInit) => Response) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetcher = (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init: init ?? {} });
    return Promise.resolve(answer(String(input), init ?? {}));
  };
  return { fetcher: fetcher as typeof fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

Deno.test("login posts JSON and parses the session", async () => {
  const { fetcher, requests } = fakeFetch(() =>
    json(200, { id: "u1", email: "a@example.com", role: "admin", expiresAt: 5 })
  );
  const api = createApiClient({ fetch: fetcher });
  const session = await api.login("a@example.com", "pw");
  assert.equal(session.role, "admin");
  assert.equal(requests[0].url, "/api/v1/auth/login");
  assert.equal(requests[0].init.method, "POST");
  assert.equal(
    (requests[0].init.headers as Record<string, string>)["content-type"],
    "application/json",
  );
  assert.deepEqual(JSON.parse(String(requests[0].init.body)), {
    email: "a@example.com",
    password: "pw",
  });
});

Deno.test("error answers become ApiErrors with code, issues and Retry-After", async () => {
  const { fetcher } = fakeFetch(() =>
    json(429, { error: { code: "rate_limited", message: "too many" } }, { "retry-after": "42" })
  );
  const error = await createApiClient({ fetch: fetcher }).login("a@example.com", "pw").catch((e) =>
    e
  );
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 429);
  assert.equal(error.code, "rate_limited");
  assert.equal(error.retryAfterSeconds, 42);
});

Deno.test("a 401 on a signed-in call reports the session ended; on me() it does not", async () => {
  let ended = 0;
  const { fetcher } = fakeFetch(() =>
    json(401, { error: { code: "unauthorized", message: "sign in first" } })
  );
  const api = createApiClient({ fetch: fetcher, onUnauthorized: () => ended++ });
  await assert.rejects(api.me(), ApiError);
  assert.equal(ended, 0);
  await assert.rejects(api.jobs({}), ApiError);
  assert.equal(ended, 1);
});

Deno.test("an answer that does not match the schema is refused, not trusted", async () => {
  const { fetcher } = fakeFetch(() => json(200, { jobs: "nope" }));
  const error = await createApiClient({ fetch: fetcher }).jobs({}).catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.code, "bad_response");
});

Deno.test("a network failure is an ApiError with status 0", async () => {
  const api = createApiClient({ fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
  const error = await api.overview().catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 0);
});

Deno.test("queries carry only the values that are set", async () => {
  assert.equal(
    queryOf({ status: "failed", repo: "o/r", pool: undefined, project: "", limit: 50 }),
    "?status=failed&repo=o%2Fr&limit=50",
  );
  assert.equal(queryOf({}), "");
  const { fetcher, requests } = fakeFetch(() => json(200, { jobs: [], nextCursor: null }));
  await createApiClient({ fetch: fetcher }).jobs({ cursor: "abc", limit: 2 });
  assert.equal(requests[0].url, "/api/v1/jobs?cursor=abc&limit=2");
});
