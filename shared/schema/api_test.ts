import assert from "node:assert/strict";
import { InvalidError } from "../errors.ts";
import { issueMessage, issuesOf } from "./issues.ts";
import {
  decodeCursor,
  encodeCursor,
  ErrorBody,
  JobsListQuery,
  JobsListResponse,
  type JobView,
} from "./api.ts";

function job(): JobView {
  return {
    id: "job_1",
    githubJobId: 2832853555,
    runId: 940463255,
    runAttempt: 1,
    repoFullName: "octocat/hello-world",
    workflowName: "CI",
    jobName: "build",
    branch: "main",
    sha: "e3103f8eb03e1ad7f2331c5446b23c070fc54055",
    sender: "octocat",
    labels: ["self-hosted", "my-app", "large"],
    state: "running",
    project: "my-app",
    pool: "large",
    instanceId: "i-0123456789abcdef0",
    instanceType: "m7i.large",
    isSpot: true,
    priceUsdPerHour: 0.0416,
    costUsd: 0.0208,
    failureReason: null,
    queuedAt: 1_700_000_000_000,
    launchedAt: 1_700_000_001_000,
    startedAt: 1_700_000_030_000,
    completedAt: null,
    updatedAt: 1_700_000_030_000,
  };
}

Deno.test("JobsListQuery converts limit from the query string and defaults it to 50", () => {
  assert.deepEqual(JobsListQuery.parse({}), { limit: 50 });
  assert.deepEqual(JobsListQuery.parse({ status: "running", project: "my-app", limit: "200" }), {
    status: "running",
    project: "my-app",
    limit: 200,
  });
});

Deno.test("JobsListQuery rejects an unknown state and an out-of-range limit", () => {
  assert.equal(JobsListQuery.safeParse({ status: "exploded" }).success, false);
  for (const limit of ["0", "201", "1.5", "ten", ""]) {
    assert.equal(JobsListQuery.safeParse({ limit }).success, false, limit);
  }
});

Deno.test("JobsListResponse accepts a page of job views and a null cursor", () => {
  const page = { jobs: [job(), { ...job(), id: "job_2", isSpot: null, costUsd: null }] };
  assert.deepEqual(JobsListResponse.parse({ ...page, nextCursor: null }).jobs.length, 2);
  assert.equal(JobsListResponse.safeParse({ jobs: [{ ...job(), state: "nope" }] }).success, false);
  assert.equal(
    JobsListResponse.safeParse({ jobs: [{ ...job(), queuedAt: "now" }], nextCursor: null }).success,
    false,
  );
});

Deno.test("ErrorBody allows issues by path", () => {
  const body = {
    error: { code: "invalid", message: "bad", issues: [{ path: "limit", message: "too big" }] },
  };
  assert.deepEqual(ErrorBody.parse(body), body);
  assert.deepEqual(ErrorBody.parse({ error: { code: "not_found", message: "no job" } }), {
    error: { code: "not_found", message: "no job" },
  });
  assert.equal(ErrorBody.safeParse({ error: "boom" }).success, false);
});

Deno.test("a cursor round-trips, including non-ASCII ids, as URL-safe text", () => {
  for (
    const cursor of [
      { queuedAt: 1_700_000_000_000, id: "job_1" },
      { queuedAt: 0, id: "ü/ß+?=" },
      { queuedAt: 1, id: "x".repeat(256) },
    ]
  ) {
    const text = encodeCursor(cursor);
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(text), cursor);
  }
});

Deno.test("a garbage cursor is an InvalidError at path cursor", () => {
  const garbage = [
    "",
    "not base64!",
    "a",
    encodeCursor({ queuedAt: 1, id: "x" }).slice(0, -3),
    btoa("not json").replaceAll("=", ""),
    btoa(JSON.stringify({ queuedAt: "1", id: "x" })).replaceAll("=", ""),
    btoa(JSON.stringify({ queuedAt: 1, id: "x", extra: 1 })).replaceAll("=", ""),
    btoa(JSON.stringify([1, "x"])).replaceAll("=", ""),
    btoa("\xff\xfe").replaceAll("=", ""),
    "A".repeat(10_000),
  ];
  for (const text of garbage) {
    assert.throws(() => decodeCursor(text), (error: unknown) => {
      assert.ok(error instanceof InvalidError, `${text}: ${error}`);
      assert.deepEqual(error.issues.map((issue) => issue.path), ["cursor"]);
      return true;
    }, text);
  }
});

Deno.test("JobsListQuery names each empty filter and the limit's bounds", () => {
  const cases: [Record<string, string>, { path: string; message: string }[]][] = [
    [{ project: "" }, [{ path: "project", message: "expected string to have >=1 characters" }]],
    [{ pool: "" }, [{ path: "pool", message: "expected string to have >=1 characters" }]],
    [{ repo: "" }, [{ path: "repo", message: "expected string to have >=1 characters" }]],
    [{ cursor: "" }, [{ path: "cursor", message: "expected string to have >=1 characters" }]],
    [{ limit: "0" }, [{ path: "limit", message: "expected number to be >=1" }]],
    [{ limit: "201" }, [{ path: "limit", message: "expected number to be <=200" }]],
  ];
  for (const [query, expected] of cases) {
    const result = JobsListQuery.safeParse(query, { error: issueMessage });
    assert.deepEqual(result.success ? [] : issuesOf(result.error), expected, JSON.stringify(query));
  }
  assert.deepEqual(JobsListQuery.parse({ pool: "p", repo: "a/b", cursor: "c", limit: "1" }), {
    pool: "p",
    repo: "a/b",
    cursor: "c",
    limit: 1,
  });
});

Deno.test("a job view and an error body parse as sent, extra fields stripped", () => {
  assert.deepEqual(
    JobsListResponse.parse({ jobs: [{ ...job(), extra: 1 }], nextCursor: "c", x: 1 }),
    { jobs: [job()], nextCursor: "c" },
  );
  const body = {
    error: { code: "invalid", message: "bad", issues: [{ path: "a", message: "b" }] },
  };
  assert.deepEqual(
    ErrorBody.parse({
      error: { ...body.error, stack: "s", issues: [{ path: "a", message: "b", x: 1 }] },
    }),
    body,
  );
});

/** A cursor's text as `encodeCursor` makes it: base64url, no padding. */
const base64url = (binary: string) =>
  btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

Deno.test("a cursor's text is pinned: base64url of its JSON, without padding", () => {
  const cases: [{ queuedAt: number; id: string }, string][] = [
    [{ queuedAt: 1, id: "x" }, "eyJxdWV1ZWRBdCI6MSwiaWQiOiJ4In0"],
    [{ queuedAt: 0, id: "ü/ß+?=" }, "eyJxdWV1ZWRBdCI6MCwiaWQiOiLDvC_Dnys_PSJ9"],
    [{ queuedAt: 1, id: "~~~?>" }, "eyJxdWV1ZWRBdCI6MSwiaWQiOiJ-fn4_PiJ9"],
    // 25 bytes of JSON: two padding characters dropped.
    [{ queuedAt: 1, id: "xyz" }, "eyJxdWV1ZWRBdCI6MSwiaWQiOiJ4eXoifQ"],
  ];
  for (const [cursor, text] of cases) {
    assert.equal(encodeCursor(cursor), text);
    assert.deepEqual(decodeCursor(text), cursor);
  }
});

Deno.test("a cursor is at most 512 characters, with an id of 1 to 256", () => {
  // 181 two-byte characters make the JSON 384 bytes: exactly 512 characters of base64.
  const at512 = { queuedAt: 1, id: "ü".repeat(181) };
  assert.equal(encodeCursor(at512).length, 512);
  assert.deepEqual(decodeCursor(encodeCursor(at512)), at512);
  const over = [
    encodeCursor({ queuedAt: 1, id: `${"ü".repeat(181)}a` }),
    encodeCursor({ queuedAt: 1, id: "x".repeat(257) }),
    encodeCursor({ queuedAt: 1, id: "" }),
    encodeCursor({ queuedAt: -1, id: "x" }),
    ` ${encodeCursor({ queuedAt: 1, id: "x" })}`,
    `${encodeCursor({ queuedAt: 1, id: "x" })} `,
    // Invalid UTF-8 inside the JSON string.
    base64url('{"queuedAt":1,"id":"\xff"}'),
  ];
  for (const text of over) {
    assert.throws(() => decodeCursor(text), (error: unknown) => {
      assert.ok(error instanceof InvalidError);
      assert.equal(error.message, "invalid cursor: start again from the first page");
      assert.deepEqual(error.issues, [{ path: "cursor", message: "not a cursor this API issued" }]);
      return true;
    }, text.slice(0, 40));
  }
});

Deno.test("a cursor that is not base64 JSON keeps the parse error as its cause", () => {
  const cases: [string, new (...args: never[]) => Error][] = [
    [base64url("not json"), SyntaxError],
    [base64url('{"queuedAt":1,"id":"\xff"}'), TypeError],
  ];
  for (const [text, type] of cases) {
    assert.throws(() => decodeCursor(text), (error: unknown) => {
      assert.ok(error instanceof InvalidError);
      assert.ok(error.cause instanceof type, String(error.cause));
      return true;
    });
  }
});
