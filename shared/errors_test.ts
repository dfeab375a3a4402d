import assert from "node:assert/strict";
import {
  ConfigError,
  ConflictError,
  ForbiddenError,
  GantryError,
  GoneError,
  httpStatusOf,
  InvalidError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from "./errors.ts";

/** [error, its name, code, message, HTTP status]. */
const CASES: [GantryError, string, string, string, number][] = [
  [new InvalidError("bad pool"), "InvalidError", "invalid", "bad pool", 400],
  [new UnauthorizedError(), "UnauthorizedError", "unauthorized", "authentication required", 401],
  [
    new UnauthorizedError("token expired"),
    "UnauthorizedError",
    "unauthorized",
    "token expired",
    401,
  ],
  [new ForbiddenError(), "ForbiddenError", "forbidden", "not allowed", 403],
  [new ForbiddenError("admins only"), "ForbiddenError", "forbidden", "admins only", 403],
  [new NotFoundError("no pool p1"), "NotFoundError", "not_found", "no pool p1", 404],
  [new ConflictError("name taken"), "ConflictError", "conflict", "name taken", 409],
  [new GantryError("illegal_transition", "x"), "GantryError", "illegal_transition", "x", 409],
  [new GantryError("gone", "expired"), "GantryError", "gone", "expired", 410],
  [new GoneError("invitation used"), "GoneError", "gone", "invitation used", 410],
  [
    new UnprocessableError("no project p9"),
    "UnprocessableError",
    "unprocessable",
    "no project p9",
    422,
  ],
  [new GantryError("too_large", "1 MiB max"), "GantryError", "too_large", "1 MiB max", 413],
  [
    new GantryError("unsupported_media_type", "json"),
    "GantryError",
    "unsupported_media_type",
    "json",
    415,
  ],
  [new UpstreamError("EC2 down"), "UpstreamError", "upstream", "EC2 down", 502],
  [new UnavailableError("queue down"), "UnavailableError", "unavailable", "queue down", 503],
  [new ConfigError("SESSION_SECRET"), "ConfigError", "misconfigured", "SESSION_SECRET", 500],
  [new GantryError("", "empty code"), "GantryError", "", "empty code", 500],
  [new GantryError("launch_permanent", "x"), "GantryError", "launch_permanent", "x", 500],
];

Deno.test("each error class carries its code, name and message, and maps to its HTTP status", () => {
  for (const [error, name, code, message, status] of CASES) {
    assert.deepEqual(
      [error.name, error.code, error.message, httpStatusOf(error)],
      [name, code, message, status],
      `${name} ${code}`,
    );
    assert.ok(error instanceof GantryError && error instanceof Error, name);
  }
});

Deno.test("anything not a GantryError is a 500, even with a known code", () => {
  const lookalike = Object.assign(new Error("x"), { code: "not_found" });
  for (
    const error of [lookalike, new Error("x"), "invalid", null, undefined, { code: "invalid" }]
  ) {
    assert.equal(httpStatusOf(error), 500, String(error));
  }
});

Deno.test("the cause travels with the error; an invalid input lists its issues", () => {
  const cause = new Error("socket hang up");
  const errors = [
    new UnauthorizedError("expired", { cause }),
    new ForbiddenError("no", { cause }),
    new NotFoundError("gone", { cause }),
    new ConflictError("taken", { cause }),
    new UpstreamError("EC2", { cause }),
    new ConfigError("bad var", { cause }),
    new InvalidError("bad", { cause }),
  ];
  for (const error of errors) assert.equal(error.cause, cause, error.name);
  const issues = [{ path: "pools.0.ami", message: "expected an AMI id" }];
  assert.deepEqual(new InvalidError("bad", { issues }).issues, issues);
  assert.deepEqual(new InvalidError("bad").issues, []);
});
