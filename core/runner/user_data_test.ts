import assert from "node:assert/strict";
import { renderUserData } from "./user_data.ts";

Deno.test("user data carries the batch token and edge URL, never a JIT config", () => {
  const script = renderUserData({
    edgeUrl: "https://edge.example.com/",
    batchToken: "tok.en.sig",
  });
  assert.match(script, /^#!\/bin\/bash/);
  assert.ok(script.includes("EDGE='https://edge.example.com'"));
  assert.ok(script.includes("TOKEN='tok.en.sig'"));
  assert.ok(script.includes("/runner/v1/config"));
  assert.ok(script.includes("RUNNER_VERSION='2.336.0'"));
  assert.ok(
    script.includes(
      "RUNNER_SHA256_X64='04cf0be1aff4c3ec3554466c39124ca250e3effd8873bb7e8d68535aa9505d5d'",
    ),
  );
  assert.ok(script.includes("X-aws-ec2-metadata-token"), "IMDSv2 session tokens");
  assert.ok(!script.includes("--jitconfig"), "the JIT config never goes on a command line");
  assert.ok(script.includes("IMDS='http://169.254.169.254'"), "IMDS is a variable");
});

Deno.test("quotes in values cannot break out of the shell string", () => {
  const script = renderUserData({ edgeUrl: "https://e'x", batchToken: "a'; rm -rf /; '" });
  assert.ok(script.includes(`TOKEN='a'"'"'; rm -rf /; '"'"''`));
});

Deno.test("the bootstrap script is valid bash", async () => {
  const path = await Deno.makeTempFile({ suffix: ".sh" });
  await Deno.writeTextFile(path, renderUserData({ edgeUrl: "https://e", batchToken: "t" }));
  const result = await new Deno.Command("bash", { args: ["-n", path], stderr: "piped" }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
});

Deno.test("the instance keeps asking while its config is not deposited (404), then stops", async () => {
  // Run the script's config loop against a local edge that answers 404 twice, then 200.
  const bodies: unknown[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    // The body must be JSON: the old script sent `{instanceId:i-…}` and got 400 forever.
    bodies.push(JSON.parse(await request.text()));
    return bodies.length <= 2
      ? Response.json({ error: { code: "not_found" } }, { status: 404 })
      : Response.json({ runnerName: "r", encodedJitConfig: "aml0" });
  });
  const script = renderUserData({
    edgeUrl: `http://127.0.0.1:${server.addr.port}`,
    batchToken: "t",
    configWaitSeconds: 20,
  });
  const helpers = script.slice(script.indexOf("post() {"), script.indexOf("report() {"));
  const loop = script.slice(script.indexOf('CONFIG=""'), script.indexOf("report booted"));
  const identity =
    `"instanceId":"i-0123456789abcdef0","identity":{"document":"ZG9j","signature":"c2ln"}`;
  const probe = `set -uo pipefail\nEDGE=http://127.0.0.1:${server.addr.port}\nTOKEN=t\n` +
    `CONFIG_ATTEMPTS=10\nCONFIG_POLL_SECONDS=1\nIDENTITY='${identity}'\nfail() { echo "FAIL $1"; exit 1; }\n` +
    `${helpers}\n${loop}\necho "$CONFIG"`;
  const result = await new Deno.Command("bash", { args: ["-c", probe], stdout: "piped" }).output();
  await server.shutdown();
  const out = new TextDecoder().decode(result.stdout);
  assert.equal(result.code, 0, out);
  assert.equal(bodies.length, 3);
  assert.deepEqual(bodies[0], {
    instanceId: "i-0123456789abcdef0",
    identity: { document: "ZG9j", signature: "c2ln" },
  });
  assert.equal(JSON.parse(out).encodedJitConfig, "aml0");
});

Deno.test("a stopped pool's script prepares on its first boot and runs on every boot after", async () => {
  const plain = renderUserData({ edgeUrl: "https://e", batchToken: "t" });
  assert.ok(plain.includes("STANDBY=''"), "an ordinary instance never prepares");
  const script = renderUserData({
    edgeUrl: "https://e",
    batchToken: "t",
    isStandby: true,
    paths: { state: "/tmp/gantry-state", perBoot: "/tmp/per-boot/gantry.sh" },
  });
  assert.ok(script.includes("STANDBY='1'"));
  assert.ok(script.includes("STATE_DIR='/tmp/gantry-state'"));
  assert.ok(script.includes("PER_BOOT='/tmp/per-boot/gantry.sh'"));
  const path = await Deno.makeTempFile({ suffix: ".sh" });
  await Deno.writeTextFile(path, script);
  const result = await new Deno.Command("bash", { args: ["-n", path], stderr: "piped" }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  // The first boot reports and exits before any config is fetched.
  const prepare = script.indexOf("report prepared");
  assert.ok(prepare > 0 && prepare < script.indexOf("post /runner/v1/config"));
});

/**
 * Runs a standby's first boot in bash against a local edge whose config
 * answers 404 `notYet` times, then 200: the install steps stubbed, the
 * `prepared` report and the config loop as written.
 */
async function standbyFirstBoot(hibernates: boolean, notYet: number) {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    requests.push({ path, body: JSON.parse(await request.text()) });
    if (path === "/runner/v1/event") return Response.json({ status: "queued" }, { status: 202 });
    const asked = requests.filter((r) => r.path === "/runner/v1/config").length;
    return asked <= notYet
      ? Response.json({ error: { code: "not_found" } }, { status: 404 })
      : Response.json({ runnerName: "gantry-77-1", encodedJitConfig: "aml0" });
  });
  const dir = await Deno.makeTempDir();
  const script = renderUserData({
    edgeUrl: `http://127.0.0.1:${server.addr.port}`,
    batchToken: "t",
    configWaitSeconds: 20,
    isStandby: true,
    hibernates,
    paths: { state: `${dir}/state`, perBoot: `${dir}/per-boot/gantry.sh` },
  });
  const identity =
    `"instanceId":"i-0123456789abcdef0","identity":{"document":"ZG9j","signature":"c2ln"}`;
  const probe = [
    script.slice(0, script.indexOf("exec > >(tee")),
    `IDENTITY='${identity}'\nSPOT_WATCH=""`,
    script.slice(script.indexOf("json_string() {"), script.indexOf("fail() {")),
    `fail() { echo "FAIL $1"; exit 1; }`,
    `ensure_user() { :; }\ninstall_runner() { RUNNER_DIR=${dir}/runner; }\nchown() { :; }`,
    script.slice(
      script.indexOf("# A stopped pool's instance, first boot"),
      script.indexOf("report booted"),
    ),
    `echo "CONFIG $CONFIG"`,
  ].join("\n");
  const path = `${dir}/probe.sh`;
  await Deno.writeTextFile(path, probe);
  const result = await new Deno.Command("bash", { args: [path], stdout: "piped", stderr: "piped" })
    .output();
  await server.shutdown();
  const hook = await Deno.stat(`${dir}/per-boot/gantry.sh`).then(() => true, () => false);
  await Deno.remove(dir, { recursive: true });
  return {
    code: result.code,
    out: new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr),
    paths: requests.map((r) => r.path),
    events: requests.filter((r) => r.path === "/runner/v1/event").map((r) => r.body.kind),
    hook,
  };
}

Deno.test("a plain-stopped standby's first boot reports `prepared` and exits without a config", async () => {
  const boot = await standbyFirstBoot(false, 0);
  assert.equal(boot.code, 0, boot.out);
  assert.deepEqual(boot.paths, ["/runner/v1/event"]);
  assert.deepEqual(boot.events, ["prepared"]);
  assert.ok(!boot.out.includes("CONFIG"), boot.out);
  assert.equal(boot.hook, true, "the per-boot hook fetches a config on every later boot");
});

Deno.test("a hibernating standby reports `prepared`, then waits for its job's config (404 until then)", async () => {
  const boot = await standbyFirstBoot(true, 2);
  assert.equal(boot.code, 0, boot.out);
  assert.deepEqual(boot.paths, [
    "/runner/v1/event",
    "/runner/v1/config",
    "/runner/v1/config",
    "/runner/v1/config",
  ]);
  assert.deepEqual(boot.events, ["prepared"]);
  assert.match(boot.out, /CONFIG \{"runnerName":"gantry-77-1","encodedJitConfig":"aml0"\}/);
  // Should the hibernation fail (a normal shutdown), the next boot runs the script again.
  assert.equal(boot.hook, true);
});

Deno.test("a hibernating standby asks every second; every other instance every 2 s", () => {
  const hibernating = renderUserData({
    edgeUrl: "https://e",
    batchToken: "t",
    configWaitSeconds: 600,
    isStandby: true,
    hibernates: true,
  });
  assert.ok(hibernating.includes("HIBERNATES='1'"));
  assert.ok(hibernating.includes("CONFIG_POLL_SECONDS=1\nCONFIG_ATTEMPTS=600\n"));
  const plain = renderUserData({ edgeUrl: "https://e", batchToken: "t", configWaitSeconds: 600 });
  assert.ok(plain.includes("HIBERNATES=''"));
  assert.ok(plain.includes("CONFIG_POLL_SECONDS=2\nCONFIG_ATTEMPTS=300\n"));
  // Only a stopped pool's instance hibernates.
  const notStandby = renderUserData({ edgeUrl: "https://e", batchToken: "t", hibernates: true });
  assert.ok(notStandby.includes("HIBERNATES=''"));
});
