/**
 * The webhook's limits, each at the limit, one under and one over: repo
 * names, labels, job links; the messages an operator reads in a rejected
 * delivery; and the ping event.
 */
import assert from "node:assert/strict";
import { InvalidError } from "../errors.ts";
import type { Issue } from "./issues.ts";
import {
  GITHUB_SERVER_URL,
  jobHtmlUrl,
  MAX_JOB_LABELS,
  parsePingEvent,
  parseWorkflowJobEvent,
  RepoFullName,
} from "./webhook.ts";

const job = {
  id: 123,
  run_id: 456,
  run_attempt: 2,
  name: "build",
  labels: ["self-hosted"],
  status: "queued",
  conclusion: null,
  head_branch: "main",
  head_sha: "e3103f8",
  workflow_name: "CI",
  html_url: "https://github.com/octocat/hello-world/actions/runs/456/job/123",
  created_at: "2024-01-02T03:04:05Z",
  started_at: null,
  completed_at: "2024-01-02T03:05:05Z",
  runner_id: 7,
  runner_name: "gantry-1",
  runner_group_name: "Default",
};
const event = {
  action: "completed",
  workflow_job: job,
  repository: {
    id: 1,
    name: "hello-world",
    full_name: "octocat/hello-world",
    owner: { login: "octocat" },
  },
  sender: { login: "octocat" },
  installation: { id: 99 },
};

function issuesOfEvent(body: unknown, githubServerUrl?: string): readonly Issue[] {
  try {
    parseWorkflowJobEvent(body, { githubServerUrl });
    return [];
  } catch (error) {
    assert.ok(error instanceof InvalidError, String(error));
    return error.issues;
  }
}

Deno.test("a workflow_job event parses to exactly the fields Gantry reads", () => {
  assert.deepEqual(parseWorkflowJobEvent(event), event);
  assert.deepEqual(parseWorkflowJobEvent(event, { githubServerUrl: GITHUB_SERVER_URL }), event);
  assert.equal(GITHUB_SERVER_URL, "https://github.com");
  assert.equal(MAX_JOB_LABELS, 100);
});

Deno.test("each workflow_job field names its problem", () => {
  const withJob = (change: Record<string, unknown>) => ({
    ...event,
    workflow_job: { ...job, ...change },
  });
  const repo = (full_name: string) => ({
    ...event,
    repository: { ...event.repository, full_name },
  });
  const cases: [string, unknown, Issue[]][] = [
    ["run_attempt 0", withJob({ run_attempt: 0 }), [{
      path: "workflow_job.run_attempt",
      message: "expected number to be >=1",
    }]],
    ["run_attempt 1", withJob({ run_attempt: 1 }), []],
    ["status", withJob({ status: "" }), [{
      path: "workflow_job.status",
      message: "expected string to have >=1 characters",
    }]],
    ["head_sha", withJob({ head_sha: "" }), [{
      path: "workflow_job.head_sha",
      message: "expected string to have >=1 characters",
    }]],
    ["created_at", withJob({ created_at: "soon" }), [{
      path: "workflow_job.created_at",
      message: "expected an ISO 8601 timestamp",
    }]],
    ["completed_at", withJob({ completed_at: "later" }), [{
      path: "workflow_job.completed_at",
      message: "expected an ISO 8601 timestamp",
    }]],
    ["runner_id", withJob({ runner_id: 1.5 }), [{
      path: "workflow_job.runner_id",
      message: "expected int, received number",
    }]],
    ["labels", withJob({ labels: ["", "x".repeat(256), "x".repeat(257), "a\tb"] }), [
      { path: "workflow_job.labels.0", message: "expected string to have >=1 characters" },
      { path: "workflow_job.labels.2", message: "expected string to have <=256 characters" },
      { path: "workflow_job.labels.3", message: "must not contain control characters" },
    ]],
    ["101 labels", withJob({ labels: Array.from({ length: 101 }, () => "l") }), [{
      path: "workflow_job.labels",
      message: "expected array to have <=100 items",
    }]],
    ["repository name", { ...event, repository: { ...event.repository, name: "" } }, [{
      path: "repository.name",
      message: "expected string to have >=1 characters",
    }]],
    ["owner login", { ...event, repository: { ...event.repository, owner: { login: "" } } }, [{
      path: "repository.owner.login",
      message: "expected string to have >=1 characters",
    }]],
    ["sender login", { ...event, sender: { login: "" } }, [{
      path: "sender.login",
      message: "expected string to have >=1 characters",
    }]],
    ["installation", { ...event, installation: { id: 0 } }, [{
      path: "installation.id",
      message: "expected number to be >0",
    }]],
    ["full name", repo("octocat"), [{
      path: "repository.full_name",
      message: "expected owner/repo",
    }]],
  ];
  for (const [name, body, expected] of cases) assert.deepEqual(issuesOfEvent(body), expected, name);
});

Deno.test("a repository's full name is owner/repo, each 1 to 100 of letters, digits and _ . -", () => {
  const cases: [string, boolean][] = [
    ["AZaz09_.-/AZaz09_.-", true],
    [`${"o".repeat(100)}/${"r".repeat(100)}`, true],
    [`${"o".repeat(101)}/r`, false],
    [`o/${"r".repeat(101)}`, false],
    ["/r", false],
    ["o/", false],
    ["o/r/x", false],
    [" o/r", false],
    ["o/r ", false],
    ["o r/r", false],
  ];
  for (const [name, isValid] of cases) {
    const result = RepoFullName.safeParse(name);
    assert.equal(result.success, isValid, name);
    if (!isValid) assert.equal(result.error?.issues[0].message, "expected owner/repo", name);
  }
});

Deno.test("a job link is at most 2,000 characters, on the server's https origin, without credentials", () => {
  const base = "https://github.com/";
  const cases: [string, string[]][] = [
    [`${base}${"a".repeat(2000 - base.length)}`, []],
    [`${base}${"a".repeat(2001 - base.length)}`, [
      "Too big: expected string to have <=2000 characters",
    ]],
    [`${base}o/r\n`, ["must be an https URL on https://github.com"]],
    ["https://:secret@github.com/o/r", ["must be an https URL on https://github.com"]],
    ["https://user@github.com/o/r", ["must be an https URL on https://github.com"]],
    ["not a url", ["must be an https URL on https://github.com"]],
  ];
  for (const [url, messages] of cases) {
    const result = jobHtmlUrl().safeParse(url);
    assert.deepEqual(
      result.success ? [] : result.error.issues.map((i) => i.message),
      messages,
      url.slice(0, 40),
    );
  }
  assert.deepEqual(
    issuesOfEvent(
      { ...event, workflow_job: { ...job, html_url: "https://github.com/o/r" } },
      "https://ghe.example",
    ),
    [{ path: "workflow_job.html_url", message: "must be an https URL on https://ghe.example" }],
  );
  assert.deepEqual(
    issuesOfEvent(
      { ...event, workflow_job: { ...job, html_url: "https://ghe.example/o/r" } },
      "https://ghe.example",
    ),
    [],
  );
  // A server on plain http still gets no http links: the console renders only https ones.
  assert.deepEqual(
    issuesOfEvent(
      { ...event, workflow_job: { ...job, html_url: "http://ghe.example/o/r" } },
      "http://ghe.example",
    ),
    [{ path: "workflow_job.html_url", message: "must be an https URL on http://ghe.example" }],
  );
});

Deno.test("a ping parses to the fields Gantry reads, or names its problems", () => {
  const ping = {
    zen: "Keep it logically awesome.",
    hook_id: 5,
    hook: { type: "App", events: ["workflow_job"], app_id: 7 },
    repository: { id: 1, full_name: "octocat/hello-world" },
    sender: { login: "octocat" },
  };
  assert.deepEqual(parsePingEvent({ ...ping, hook: { ...ping.hook, config: {} }, x: 1 }), ping);
  assert.deepEqual(parsePingEvent({ zen: "z", hook_id: 1 }), { zen: "z", hook_id: 1 });
  assert.throws(
    () => parsePingEvent({ ...ping, hook_id: 0, repository: { id: 1, full_name: "x" } }),
    (error) => {
      assert.ok(error instanceof InvalidError);
      assert.equal(
        error.message,
        "invalid ping event: hook_id: expected number to be >0; repository.full_name: expected owner/repo",
      );
      return true;
    },
  );
});
