import assert from "node:assert/strict";

Deno.test("the standalone emulator announces its URL, answers, and exits on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "--port", "0"],
    cwd: new URL("../../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let output = "";
    while (!output.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      output += value;
    }
    const url = /EC2 emulator listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url, `unexpected first output: ${output}`);
    const health = await fetch(`${url}/_emulator/health`);
    assert.deepEqual(await health.json(), { ok: true });
  } finally {
    child.kill("SIGTERM");
    await lines.cancel();
  }
  const status = await child.status;
  assert.equal(status.code, 0);
});
