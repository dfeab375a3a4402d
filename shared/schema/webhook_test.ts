import assert from "node:assert/strict";
import { InvalidError } from "../errors.ts";
import { parsePingEvent, parseWorkflowJobEvent, WorkflowJobEvent } from "./webhook.ts";

// Test fixtures are free-form JSON, reached into by known keys.
// deno-lint-ignore no-explicit-any
type Json = any;

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}

const EXAMPLES = new URL("../../node_modules/@octokit/webhooks-examples/", import.meta.url);

/** Every example of `event` from every GitHub flavour the package ships. */
async function examplesOf(event: string): Promise<{ source: string; body: Json }[]> {
  const found: { source: string; body: Json }[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (!entry.isDirectory) continue;
    const file = new URL(`${entry.name}/index.json`, EXAMPLES);
    const definitions: Definition[] = JSON.parse(await Deno.readTextFile(file));
    const definition = definitions.find((d) => d.name === event);
    definition?.examples.forEach((body, i) => found.push({ source: `${entry.name}#${i}`, body }));
  }
  return found;
}

function valid(): Record<string, Json> {
  return {
    action: "queued",
    workflow_job: {
      id: 123,
      run_id: 456,
      run_attempt: 2,
      name: "build",
      labels: ["self-hosted", "my-app", "large"],
      status: "queued",
      conclusion: null,
      head_branch: "main",
      head_sha: "e3103f8eb03e1ad7f2331c5446b23c070fc54055",
      workflow_name: "CI",
      html_url: "https://github.com/octocat/hello-world/actions/runs/456/job/123",
      created_at: "2024-01-02T03:04:05Z",
      started_at: "2024-01-02T03:04:05Z",
      completed_at: null,
      runner_id: null,
      runner_name: null,
      runner_group_name: null,
      steps: [],
    },
    repository: {
      id: 1,
      name: "hello-world",
      full_name: "octocat/hello-world",
      owner: { login: "octocat" },
      private: false,
    },
    sender: { login: "octocat" },
    installation: { id: 99 },
  };
}

function issuesOf(body: unknown): readonly { path: string; message: string }[] {
  try {
    parseWorkflowJobEvent(body);
  } catch (error) {
    assert.ok(error instanceof InvalidError, String(error));
    return error.issues;
  }
  assert.fail("expected InvalidError");
}

Deno.test("every workflow_job example from @octokit/webhooks-examples parses", async () => {
  const examples = await examplesOf("workflow_job");
  assert.ok(examples.length >= 8, `found ${examples.length} examples`);
  for (const { source, body } of examples) {
    const event = parseWorkflowJobEvent(body);
    assert.equal(event.workflow_job.id, body.workflow_job.id, source);
    assert.equal(event.action, body.action, source);
    assert.deepEqual(event.workflow_job.labels, body.workflow_job.labels, source);
    assert.equal(event.repository.full_name, body.repository.full_name, source);
    assert.ok(event.workflow_job.run_attempt >= 1, source);
  }
});

Deno.test("every ping example parses", async () => {
  const examples = await examplesOf("ping");
  assert.ok(examples.length > 0);
  for (const { source, body } of examples) {
    assert.equal(parsePingEvent(body).hook_id, body.hook_id, source);
  }
});

Deno.test("a valid event parses, with unknown fields stripped", () => {
  const event = parseWorkflowJobEvent(valid());
  assert.equal(event.workflow_job.id, 123);
  assert.equal(event.workflow_job.run_attempt, 2);
  assert.deepEqual(event.workflow_job.labels, ["self-hosted", "my-app", "large"]);
  assert.equal("steps" in event.workflow_job, false);
  assert.equal("private" in event.repository, false);
  assert.equal(event.installation?.id, 99);
});

Deno.test("optional fields may be absent; run_attempt defaults to 1", () => {
  const body = valid();
  for (const key of ["run_attempt", "conclusion", "head_branch", "workflow_name", "html_url"]) {
    delete body.workflow_job[key];
  }
  for (const key of ["created_at", "started_at", "completed_at", "runner_id", "runner_name"]) {
    delete body.workflow_job[key];
  }
  delete body.sender;
  delete body.installation;
  const event: WorkflowJobEvent = parseWorkflowJobEvent(body);
  assert.equal(event.workflow_job.run_attempt, 1);
  assert.equal(event.sender, undefined);
});

Deno.test("an id sent as a string is rejected, not coerced", () => {
  const body = valid();
  body.workflow_job.id = "123";
  assert.deepEqual(issuesOf(body), [
    { path: "workflow_job.id", message: "expected number, received string" },
  ]);
});

Deno.test("ids must be positive safe integers", () => {
  for (const id of [0, -1, 1.5, 2 ** 60, NaN]) {
    const body = valid();
    body.workflow_job.id = id;
    assert.deepEqual(issuesOf(body).map((i) => i.path), ["workflow_job.id"], String(id));
  }
});

Deno.test("a label with a control character is rejected at its index", () => {
  const body = valid();
  body.workflow_job.labels = ["self-hosted", "evil\nlabel", "ok", "bell\u0007"];
  const issues = issuesOf(body);
  assert.deepEqual(issues.map((i) => i.path), ["workflow_job.labels.1", "workflow_job.labels.3"]);
  assert.match(issues[0].message, /control characters/);
});

Deno.test("empty, overlong and non-string labels are rejected", () => {
  const body = valid();
  body.workflow_job.labels = ["", "x".repeat(257), 7, "x".repeat(256)];
  assert.deepEqual(issuesOf(body).map((i) => i.path), [
    "workflow_job.labels.0",
    "workflow_job.labels.1",
    "workflow_job.labels.2",
  ]);
});

Deno.test("10,000 labels are rejected with one issue", () => {
  const body = valid();
  body.workflow_job.labels = Array.from({ length: 10_000 }, (_, i) => `label-${i}\n`);
  const issues = issuesOf(body);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].path, "workflow_job.labels");
  const hundred = valid();
  hundred.workflow_job.labels = Array.from({ length: 100 }, (_, i) => `l${i}`);
  assert.equal(parseWorkflowJobEvent(hundred).workflow_job.labels.length, 100);
});

Deno.test("an unknown action is rejected", () => {
  for (const action of ["requested", "QUEUED", "", 1]) {
    const body = valid();
    body.action = action;
    const issues = issuesOf(body);
    assert.deepEqual(issues.map((i) => i.path), ["action"], String(action));
  }
});

Deno.test("every problem is listed by path, and missing keys read as required", () => {
  const body = valid();
  delete body.workflow_job.run_id;
  body.workflow_job.started_at = "yesterday";
  body.repository.full_name = "not-a-full-name";
  delete body.repository.owner;
  assert.deepEqual(issuesOf(body), [
    { path: "workflow_job.run_id", message: "required (expected number)" },
    { path: "workflow_job.started_at", message: "expected an ISO 8601 timestamp" },
    { path: "repository.full_name", message: "expected owner/repo" },
    { path: "repository.owner", message: "required (expected object)" },
  ]);
});

Deno.test("a body that is not an object is rejected at the root", () => {
  for (const body of [null, "queued", [], 42]) {
    assert.deepEqual(issuesOf(body).map((i) => i.path), ["(root)"]);
  }
});

Deno.test("the error message summarises paths without echoing values", () => {
  const body = valid();
  body.workflow_job.labels = ["s3cret\u0000"];
  try {
    parseWorkflowJobEvent(body);
    assert.fail("expected InvalidError");
  } catch (error) {
    assert.ok(error instanceof InvalidError);
    assert.match(error.message, /^invalid workflow_job event: workflow_job\.labels\.0: /);
    assert.doesNotMatch(error.message, /s3cret/);
  }
});

Deno.test("a job link must be an https URL on the GitHub server, or the event is refused", () => {
  const withUrl = (html_url: string) => {
    const body = valid();
    (body.workflow_job as Record<string, unknown>).html_url = html_url;
    return body;
  };
  const cases: [string, string | undefined, boolean][] = [
    ["https://github.com/o/r/actions/runs/1/job/2", undefined, true],
    ["https://ghe.example.com/o/r/actions/runs/1/job/2", "https://ghe.example.com", true],
    ["javascript:alert(document.cookie)", undefined, false],
    ["http://github.com/o/r/actions/runs/1/job/2", undefined, false],
    ["https://github.com.evil.example/o/r", undefined, false],
    ["https://evil.example/o/r", undefined, false],
    ["https://user@github.com/o/r", undefined, false],
    ["https://github.com/o/r/actions/runs/1/job/2", "https://ghe.example.com", false],
    ["data:text/html,<script>alert(1)</script>", undefined, false],
  ];
  for (const [url, githubServerUrl, isAccepted] of cases) {
    const parse = () => parseWorkflowJobEvent(withUrl(url), { githubServerUrl });
    if (isAccepted) assert.equal(parse().workflow_job.html_url, url);
    else assert.throws(parse, /html_url/, url);
  }
});
