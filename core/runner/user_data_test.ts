import assert from "node:assert/strict";
import { renderUserData } from "./user_data.ts";

Deno.test("user data carries the runner token and edge URL, never a JIT config", () => {
  const script = renderUserData({
    edgeUrl: "https://edge.example.com/",
    runnerToken: "tok.en.sig",
  });
  assert.match(script, /^#!\/bin\/bash/);
  assert.ok(script.includes("EDGE='https://edge.example.com'"));
  assert.ok(script.includes("TOKEN='tok.en.sig'"));
  assert.ok(script.includes("/runner/v1/config"));
  assert.ok(script.includes("X-aws-ec2-metadata-token"), "IMDSv2 session tokens");
  assert.ok(!/--jitconfig '[A-Za-z0-9+/=]{20,}/.test(script), "no literal JIT config");
});

Deno.test("quotes in values cannot break out of the shell string", () => {
  const script = renderUserData({ edgeUrl: "https://e'x", runnerToken: "a'; rm -rf /; '" });
  assert.ok(script.includes(`TOKEN='a'"'"'; rm -rf /; '"'"''`));
});

Deno.test("the bootstrap script is valid bash", async () => {
  const path = await Deno.makeTempFile({ suffix: ".sh" });
  await Deno.writeTextFile(path, renderUserData({ edgeUrl: "https://e", runnerToken: "t" }));
  const result = await new Deno.Command("bash", { args: ["-n", path], stderr: "piped" }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
});
