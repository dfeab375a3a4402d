/**
 * How zod failures read at every boundary: one `{ path, message }` per
 * problem, the path dot-joined, zod's "Too big:"-style prefixes dropped,
 * and a missing or mistyped value said plainly.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { InvalidError } from "../errors.ts";
import { formatPath, type Issue, issueMessage, issuesOf, parseOrThrow } from "./issues.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

Deno.test("a path is dot-joined, the root is (root)", () => {
  assert.equal(formatPath([]), "(root)");
  assert.equal(formatPath(["name"]), "name");
  assert.equal(formatPath(["projects", 0, "pools", 1, "name"]), "projects.0.pools.1.name");
});

Deno.test("a missing value is required, a mistyped one names both types", () => {
  const cases: [unknown, string][] = [
    [undefined, "required (expected number)"],
    [null, "expected number, received null"],
    [[1], "expected number, received array"],
    [Number.NaN, "expected number, received NaN"],
    ["1", "expected number, received string"],
    [{}, "expected number, received object"],
    [true, "expected number, received boolean"],
  ];
  for (const [value, message] of cases) {
    assert.deepEqual(issues(z.object({ n: z.number() }), { n: value }), [{ path: "n", message }]);
  }
});

Deno.test("zod's own messages lose their prefix, and only a leading one", () => {
  const cases: [z.ZodType, unknown, string][] = [
    [z.literal("a"), "b", 'expected "a"'],
    [z.enum(["a", "b"]), "c", 'expected one of "a"|"b"'],
    [z.string().regex(/^a$/), "b", "must match pattern /^a$/"],
    [z.number().multipleOf(2), 3, "must be a multiple of 2"],
    [z.number().max(1), 2, "expected number to be <=1"],
    [z.number().min(1), 0, "expected number to be >=1"],
    [z.string().refine(() => false, "see Too big: here"), "x", "see Too big: here"],
    [z.string().refine(() => false, "Too bigger: x"), "x", "Too bigger: x"],
    [z.string().refine(() => false, "Invalid inputs: x"), "x", "Invalid inputs: x"],
    [z.union([z.string(), z.number()]), true, "Invalid input"],
  ];
  for (const [schema, input, message] of cases) {
    assert.deepEqual(issues(schema, input), [{ path: "(root)", message }], message);
  }
});

Deno.test("each unknown key is its own issue, at its full path", () => {
  const schema = z.object({ pool: z.strictObject({ name: z.string() }) });
  assert.deepEqual(issues(schema, { pool: { name: 1, a: 1, b: 2 } }), [
    { path: "pool.name", message: "expected string, received number" },
    { path: "pool.a", message: "unknown key" },
    { path: "pool.b", message: "unknown key" },
  ]);
});

Deno.test("parseOrThrow returns the parsed value, or names the first five problems", () => {
  const schema = z.object(
    Object.fromEntries(["a", "b", "c", "d", "e", "f", "g"].map((k) => [k, z.string()])),
  );
  const fields = (n: number) =>
    Object.fromEntries(["a", "b", "c", "d", "e", "f", "g"].slice(n).map((k) => [k, "x"]));
  assert.deepEqual(parseOrThrow(z.object({ n: z.number() }), { n: 1, x: 2 }, { what: "thing" }), {
    n: 1,
  });
  const cases: [number, string][] = [
    [
      2,
      "invalid thing: a: required (expected string); b: required (expected string)",
    ],
    [
      5,
      "invalid thing: a: required (expected string); b: required (expected string); " +
      "c: required (expected string); d: required (expected string); e: required (expected string)",
    ],
    [
      6,
      "invalid thing: a: required (expected string); b: required (expected string); " +
      "c: required (expected string); d: required (expected string); e: required (expected string)" +
      " (and 1 more)",
    ],
    [
      7,
      "invalid thing: a: required (expected string); b: required (expected string); " +
      "c: required (expected string); d: required (expected string); e: required (expected string)" +
      " (and 2 more)",
    ],
  ];
  for (const [missing, message] of cases) {
    assert.throws(
      () => parseOrThrow(schema, fields(missing), { what: "thing" }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidError);
        assert.equal(error.message, message);
        assert.equal(error.issues.length, missing);
        assert.deepEqual(error.issues[missing - 1], {
          path: ["a", "b", "c", "d", "e", "f", "g"][missing - 1],
          message: "required (expected string)",
        });
        assert.ok(error.cause instanceof z.ZodError);
        return true;
      },
      `${missing}`,
    );
  }
});
