/** The terms several boundaries share: label names, operator tags and the enums. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";
import {
  ALLOCATION_STRATEGIES,
  LabelName,
  OperatorTags,
  RunnerPath,
  SPAWN_METHODS,
  WorkflowJobAction,
} from "./vocabulary.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

Deno.test("a label name is trimmed, 1 to 64 characters, and survives sanitizing", () => {
  const letter = [{
    path: "(root)",
    message: "must contain a letter or digit (it becomes a runner label)",
  }];
  const cases: [string, string | Issue[]][] = [
    [" My App ", "My App"],
    ["x".repeat(64), "x".repeat(64)],
    ["7", "7"],
    ["x".repeat(65), [{ path: "(root)", message: "expected string to have <=64 characters" }]],
    ["", [{ path: "(root)", message: "required" }]],
    ["   ", [{ path: "(root)", message: "required" }]],
    ["!!!", letter],
    [" -- ", letter],
  ];
  for (const [input, expected] of cases) {
    const result = LabelName.safeParse(input, { error: issueMessage });
    assert.deepEqual(result.success ? result.data : issuesOf(result.error), expected, input);
  }
});

Deno.test("operator tags are reported at their key, or at the root for too many", () => {
  assert.deepEqual(OperatorTags.parse({ team: "infra" }), { team: "infra" });
  assert.deepEqual(issues(OperatorTags, { "gantry:job": "1", "aws:x": "2", ok: "3" }), [
    { path: "gantry:job", message: 'the "gantry:" prefix is reserved for Gantry\'s own tags' },
    { path: "aws:x", message: 'the "aws:" prefix is reserved by AWS' },
  ]);
  const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, "v"]));
  assert.deepEqual(issues(OperatorTags, many), [
    { path: "(root)", message: "at most 40 tags are allowed, got 41" },
  ]);
});

Deno.test("the allocation strategies, spawn methods and workflow job actions", () => {
  assert.deepEqual(ALLOCATION_STRATEGIES, [
    "price-capacity-optimized",
    "lowest-price",
    "prioritized",
  ]);
  assert.deepEqual(SPAWN_METHODS, ["fleet", "run_instances"]);
  assert.deepEqual(WorkflowJobAction.options, ["queued", "waiting", "in_progress", "completed"]);
  assert.deepEqual(issues(WorkflowJobAction, "requested"), [{
    path: "(root)",
    message: 'expected one of "queued"|"waiting"|"in_progress"|"completed"',
  }]);
});

Deno.test("a pre-installed runner path is absolute and free of shell characters", () => {
  const RULE = "expected an absolute directory such as /opt/actions-runner " +
    "(letters, digits and . _ + @ - only; no spaces or shell characters)";
  const accepted: [string, string][] = [
    ["/opt/actions-runner", "/opt/actions-runner"],
    [" /opt/actions-runner/ ", "/opt/actions-runner"],
    ["/home/runner/runner-2.336.0_x64@ami+1", "/home/runner/runner-2.336.0_x64@ami+1"],
    ["/a", "/a"],
    [`/${"a".repeat(1023)}`, `/${"a".repeat(1023)}`],
  ];
  for (const [input, stored] of accepted) assert.equal(RunnerPath.parse(input), stored, input);
  const refused: [string, string][] = [
    ["opt/actions-runner", RULE],
    ["", RULE],
    ["/", RULE],
    ["/opt/actions runner", RULE],
    ["/opt/$(reboot)", RULE],
    ["/opt/`id`", RULE],
    ["/opt/r';rm -rf /;'", RULE],
    ['/opt/"x"', RULE],
    ["/opt/runner\nreboot", RULE],
    ["/opt/runner\\x", RULE],
    ["/opt//runner", RULE],
    ["/opt/*", RULE],
    ["x/opt", RULE],
    ["/opt/runner x", RULE],
    ["/opt/../etc", "expected a path without . or .. segments"],
    ["/opt/./runner", "expected a path without . or .. segments"],
    ["/..", "expected a path without . or .. segments"],
    [`/${"a".repeat(1024)}`, "at most 1,024 characters"],
  ];
  for (const [input, message] of refused) {
    assert.deepEqual(issues(RunnerPath, input).map((issue) => issue.message), [message], input);
  }
});
