import assert from "node:assert/strict";
import { canRun, pickJobFor, type QueuedJob } from "./runner_match.ts";

const RUNNER = {
  name: "gantry-1-1",
  repo: "octocat/hello-world",
  labels: ["self-hosted", "my-app", "large", "octocat-hello-world"],
};
const job = (id: number, queuedAt: number, labels: string[], repo = "octocat/hello-world") => ({
  id,
  repo,
  labels,
  queuedAt,
});

Deno.test("a runner takes the oldest queued job it carries every label of", () => {
  const queued: QueuedJob[] = [
    job(3, 300, ["self-hosted", "my-app"]),
    job(1, 100, ["self-hosted", "gpu"]),
    job(2, 200, ["self-hosted", "my-app", "large"]),
  ];
  assert.equal(pickJobFor(RUNNER, queued)?.id, 2);
});

Deno.test("labels compare case-insensitively; ties go to the lower job id", () => {
  assert.ok(canRun(RUNNER, job(1, 0, ["Self-Hosted", "MY-APP"])));
  assert.equal(
    pickJobFor(RUNNER, [job(9, 5, ["self-hosted"]), job(4, 5, ["self-hosted"])])?.id,
    4,
  );
});

Deno.test("a runner never takes another repository's job", () => {
  assert.equal(pickJobFor(RUNNER, [job(1, 0, ["self-hosted"], "octocat/spoon-knife")]), undefined);
});

Deno.test("no matching job leaves the runner idle", () => {
  assert.equal(pickJobFor(RUNNER, []), undefined);
  assert.equal(pickJobFor(RUNNER, [job(1, 0, ["self-hosted", "windows"])]), undefined);
});
