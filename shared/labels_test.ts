import assert from "node:assert/strict";
import {
  isPinLabel,
  PIN_LABEL_PREFIX,
  pinOf,
  poolLabelSet,
  runsOnLine,
  sanitizeLabel,
} from "./labels.ts";

Deno.test("sanitizeLabel maps names to GitHub's label character class", () => {
  const cases: [string, string][] = [
    ["MyApp", "my-app"],
    ["my-app", "my-app"],
    ["MYAPP", "myapp"],
    ["myapp", "myapp"],
    ["myAPP", "my-app"],
    ["v2Large", "v2-large"],
    ["GPU Pool", "gpu-pool"],
    ["octocat/hello-world", "octocat-hello-world"],
    ["Octocat/HelloWorld", "octocat-hello-world"],
    ["a  /  b", "a-b"],
    ["a--b", "a-b"],
    ["a_b.c", "a_b.c"],
    ["--.edge.--", "edge"],
    [" self-hosted ", "self-hosted"],
    ["ünïcode", "n-code"],
    ["", ""],
    ["!!!", ""],
    ["-.-", ""],
  ];
  for (const [raw, want] of cases) {
    assert.equal(sanitizeLabel(raw), want, `sanitizeLabel(${JSON.stringify(raw)})`);
  }
});

Deno.test("sanitizeLabel is idempotent", () => {
  for (const raw of ["MyApp", "GPU Pool", "octocat/Hello.World", "x--Y__z"]) {
    const once = sanitizeLabel(raw);
    assert.equal(sanitizeLabel(once), once);
  }
});

Deno.test("a pin label is recognised case-insensitively and yields its id", () => {
  assert.equal(PIN_LABEL_PREFIX, "gantry-run=");
  assert.ok(isPinLabel("gantry-run=abc_123-X"));
  assert.ok(isPinLabel("Gantry-Run=abc"));
  assert.ok(isPinLabel(`gantry-run=${"a".repeat(64)}`));
  assert.ok(!isPinLabel(`gantry-run=${"a".repeat(65)}`));
  assert.ok(!isPinLabel("gantry-run="));
  assert.ok(!isPinLabel("gantry-run=a b"));
  assert.ok(!isPinLabel("gantry-run=a/b"));
  assert.ok(!isPinLabel("self-hosted"));
  assert.ok(!isPinLabel("xgantry-run=abc"));

  assert.equal(pinOf(["self-hosted", "GANTRY-RUN=Run_42", "gantry-run=other"]), "Run_42");
  assert.equal(pinOf(["self-hosted", "large"]), undefined);
  assert.equal(pinOf([]), undefined);
});

Deno.test("poolLabelSet lists self-hosted, project, pool, repo and extras, sanitised", () => {
  assert.deepEqual(
    poolLabelSet({ project: "MyApp", pool: "Large", repoFullName: "octocat/hello-world" }),
    ["self-hosted", "my-app", "large", "octocat-hello-world"],
  );
  assert.deepEqual(
    poolLabelSet({
      project: "my-app",
      pool: "gpu",
      repoFullName: "Octocat/Hello-World",
      extraLabels: ["CUDA 12", "gpu", "", "!!", "x64"],
    }),
    ["self-hosted", "my-app", "gpu", "octocat-hello-world", "cuda-12", "x64"],
  );
});

Deno.test("runsOnLine renders the workflow line", () => {
  assert.equal(
    runsOnLine(["self-hosted", "my-app", "large", "octocat-hello-world"]),
    "runs-on: [self-hosted, my-app, large, octocat-hello-world]",
  );
  assert.equal(runsOnLine([]), "runs-on: []");
});
