import assert from "node:assert/strict";
import { InvalidError } from "./errors.ts";
import {
  cascadeTags,
  gantryTags,
  mergedTagOverflow,
  operatorTagProblems,
  projectTagOverflow,
  RESERVED_TAG_PREFIX,
  type Tags,
  validateOperatorTags,
} from "./tags.ts";

function issuesOf(tags: Tags, where: string): readonly { path: string; message: string }[] {
  try {
    validateOperatorTags(tags, where);
  } catch (error) {
    assert.ok(error instanceof InvalidError);
    assert.equal(error.code, "invalid");
    return error.issues;
  }
  return [];
}

Deno.test("valid operator tags are returned unchanged", () => {
  const tags = { team: "infra", "cost-center": "42", Gantry: "x", "gantry-ish": "y" };
  assert.equal(validateOperatorTags(tags, "tags"), tags);
  assert.deepEqual(validateOperatorTags({}, "tags"), {});
  assert.deepEqual(validateOperatorTags({ ["k".repeat(128)]: "v".repeat(256) }, "t"), {
    ["k".repeat(128)]: "v".repeat(256),
  });
});

Deno.test("a gantry: key is rejected whatever its case, by key path", () => {
  assert.equal(RESERVED_TAG_PREFIX, "gantry:");
  const issues = issuesOf({ "gantry:job": "1", "GANTRY:Pool": "x", ok: "y" }, "tags");
  assert.deepEqual(issues.map((issue) => issue.path), ["tags.gantry:job", "tags.GANTRY:Pool"]);
  assert.match(issues[0].message, /reserved/);
});

Deno.test("EC2 limits are enforced: key length, value length, aws: prefix", () => {
  const issues = issuesOf({
    "": "empty key",
    ["k".repeat(129)]: "long key",
    long: "v".repeat(257),
    "AWS:thing": "reserved",
  }, "projects.0.tags");
  assert.deepEqual(issues.map((issue) => issue.path), [
    "projects.0.tags.",
    `projects.0.tags.${"k".repeat(129)}`,
    "projects.0.tags.long",
    "projects.0.tags.AWS:thing",
  ]);
});

Deno.test("lengths count characters, not UTF-16 units", () => {
  assert.deepEqual(operatorTagProblems({ emoji: "😀".repeat(256) }), []);
  assert.equal(operatorTagProblems({ emoji: "😀".repeat(257) }).length, 1);
});

Deno.test("more than 40 operator tags is one issue at the tags path", () => {
  const forty = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, "v"]));
  assert.deepEqual(issuesOf(forty, "tags"), []);
  const issues = issuesOf({ ...forty, k40: "v" }, "tags");
  assert.deepEqual(issues, [{ path: "tags", message: "at most 40 tags are allowed, got 41" }]);
});

Deno.test("an empty where gives bare key paths, and every problem is listed", () => {
  const issues = issuesOf({ "gantry:a": "1", "aws:b": "2" }, "");
  assert.deepEqual(issues.map((issue) => issue.path), ["gantry:a", "aws:b"]);
});

Deno.test("the error message names the paths but never the values", () => {
  try {
    validateOperatorTags({ "gantry:x": "s3cret" }, "tags");
    assert.fail("expected InvalidError");
  } catch (error) {
    assert.ok(error instanceof InvalidError);
    assert.match(error.message, /tags\.gantry:x/);
    assert.doesNotMatch(error.message, /s3cret/);
  }
});

Deno.test("cascadeTags: repo overrides pool overrides project", () => {
  assert.deepEqual(
    cascadeTags({
      project: { team: "a", env: "prod", owner: "p" },
      pool: { team: "b", size: "large" },
      repo: { team: "c" },
    }),
    { team: "c", env: "prod", owner: "p", size: "large" },
  );
  assert.deepEqual(cascadeTags({}), {});
  assert.deepEqual(cascadeTags({ pool: { a: "1" } }), { a: "1" });
});

Deno.test("cascadeTags does not mutate its layers", () => {
  const project = { team: "a" };
  cascadeTags({ project, repo: { team: "b" } });
  assert.deepEqual(project, { team: "a" });
});

Deno.test("gantryTags names the project, pool, repo and job, and marks the instance managed", () => {
  assert.deepEqual(gantryTags({ project: "my-app", pool: "large", repo: "o/r", job: 42 }), {
    "gantry:managed": "true",
    "gantry:project": "my-app",
    "gantry:pool": "large",
    "gantry:repo": "o/r",
    "gantry:job": "42",
  });
  assert.deepEqual(gantryTags({ project: "p", pool: "q" }), {
    "gantry:managed": "true",
    "gantry:project": "p",
    "gantry:pool": "q",
  });
  assert.equal(gantryTags({ project: "p", pool: "q", job: "j-1" })["gantry:job"], "j-1");
});

const tagsOf = (prefix: string, n: number): Tags =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, "v"]));

interface MergedCase {
  name: string;
  project: Tags;
  pool: Tags;
  repo?: Tags;
  want: string | null;
}

const MERGED: MergedCase[] = [
  {
    name: "45 distinct plus Gantry's 5 is exactly 50",
    project: tagsOf("p", 20),
    pool: tagsOf("q", 15),
    repo: tagsOf("r", 10),
    want: null,
  },
  {
    name: "46 distinct plus Gantry's 5 is over",
    project: tagsOf("p", 20),
    pool: tagsOf("q", 15),
    repo: tagsOf("r", 11),
    want:
      'project "my-app" (20), pool "large" (15), repo "acme/web" (11) merge to 46 distinct tags; ' +
      "with Gantry's own 5 an instance would carry 51, over EC2's 50 per resource: remove 1 of them",
  },
  {
    name: "a key on two layers counts once",
    project: { ...tagsOf("p", 30), shared: "a" },
    pool: { ...tagsOf("p", 14), shared: "b" },
    want: null,
  },
  {
    name: "keys differing in case are two tags",
    project: { ...tagsOf("p", 40), Team: "a" },
    pool: { team: "b", ...tagsOf("q", 4) },
    want: 'project "my-app" (41), pool "large" (5) merge to 46 distinct tags; ' +
      "with Gantry's own 5 an instance would carry 51, over EC2's 50 per resource: remove 1 of them",
  },
  {
    name: "40 + 40 of the same keys fit",
    project: tagsOf("k", 40),
    pool: tagsOf("k", 40),
    want: null,
  },
];

for (const c of MERGED) {
  Deno.test(`merged tags: ${c.name}`, () => {
    assert.equal(
      mergedTagOverflow({
        project: { name: "my-app", tags: c.project },
        pool: { name: "large", tags: c.pool },
        repo: c.repo && { name: "acme/web", tags: c.repo },
      }),
      c.want,
    );
  });
}

Deno.test("a project's overflow is found on any pool × (no repo | each repo)", () => {
  const project = { name: "my-app", tags: tagsOf("p", 30) };
  const pools = [{ name: "small", tags: {} }, { name: "large", tags: tagsOf("q", 10) }];
  assert.equal(projectTagOverflow(project, pools, [{ name: "a/b", tags: tagsOf("r", 5) }]), null);
  assert.match(
    projectTagOverflow(project, pools, [
      { name: "a/b", tags: tagsOf("r", 5) },
      { name: "a/c", tags: tagsOf("r", 6) },
    ]) ?? "",
    /^project "my-app" \(30\), pool "large" \(10\), repo "a\/c" \(6\) merge to 46/,
  );
  assert.match(
    projectTagOverflow({ name: "my-app", tags: tagsOf("p", 40) }, [{
      name: "x",
      tags: tagsOf("q", 6),
    }], []) ?? "",
    /^project "my-app" \(40\), pool "x" \(6\) merge to 46/,
  );
});

Deno.test("each tag problem's message, and the summary that joins them", () => {
  let message = "";
  try {
    validateOperatorTags({
      "": "empty key",
      k: "a one-character key is fine",
      ["k".repeat(128)]: "a 128-character key is fine",
      "aws:b": "2",
      v: 7 as unknown as string,
      long: "v".repeat(257),
    }, "tags");
  } catch (error) {
    assert.ok(error instanceof InvalidError);
    assert.deepEqual(error.issues, [
      { path: "tags.", message: "key must be 1-128 characters" },
      { path: "tags.aws:b", message: 'the "aws:" prefix is reserved by AWS' },
      { path: "tags.v", message: "value must be a string" },
      { path: "tags.long", message: "value must be at most 256 characters" },
    ]);
    message = error.message;
  }
  assert.equal(
    message,
    "invalid tags: tags.: key must be 1-128 characters; " +
      'tags.aws:b: the "aws:" prefix is reserved by AWS; tags.v: value must be a string; ' +
      "tags.long: value must be at most 256 characters",
  );
});
