/**
 * Children outlive no runner: when the test runner dies (here SIGKILLed, as a
 * segfault would end it), the watchdogs end every process group it started.
 */
import assert from "node:assert/strict";
import { spawn } from "./process.ts";

const RUNNER = new URL("../fixtures/orphaning_runner.ts", import.meta.url).pathname;

function isAlive(pid: number): boolean {
  try {
    // A zombie is as good as gone: it runs nothing and holds nothing.
    return !/^\S+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("a runner killed with SIGKILL leaves no child, libSQL server or Chromium running", async () => {
  const runner = spawn(Deno.execPath(), ["run", "-A", "--no-check", RUNNER]);
  try {
    await runner.waitForOutput(/"pids"/, 60_000);
    const { pids } = JSON.parse(runner.output().split("\n").find((l) => l.includes('"pids"'))!) as {
      pids: number[];
    };
    assert.equal(pids.length, 3, `a sleeper, a libSQL server and Chromium: ${pids}`);
    assert.deepEqual(pids.filter(isAlive), pids, "all running before the runner dies");

    Deno.kill(runner.pid, "SIGKILL");
    // The watchdogs poll every 0.5 s and give 3 s between SIGTERM and SIGKILL.
    const deadline = performance.now() + 20_000;
    while (pids.some(isAlive) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(pids.filter(isAlive), [], "still running after the runner died");
  } finally {
    await runner.stop(1_000);
  }
});
