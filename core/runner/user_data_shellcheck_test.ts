import assert from "node:assert/strict";
import { DEFAULT_RUNNER_RELEASE } from "./runner_install.ts";
import { renderUserData, type UserDataInput } from "./user_data.ts";

/** Rendered variants: defaults, a pre-installed runner, awkward values, test paths. */
const VARIANTS: [string, UserDataInput][] = [
  ["defaults", { edgeUrl: "https://edge.example.com", batchToken: "a.b.c" }],
  [
    "pre-installed runner",
    {
      edgeUrl: "https://edge.example.com/",
      batchToken: "a.b.c",
      runner: { kind: "preinstalled", path: "/opt/actions runner" },
    },
  ],
  [
    "pre-installed runner at a path a pool accepts",
    {
      edgeUrl: "https://edge.example.com",
      batchToken: "a.b.c",
      runner: { kind: "preinstalled", path: "/opt/actions-runner-2.336.0" },
    },
  ],
  [
    "quotes and dollars in values",
    {
      edgeUrl: "https://e'x$(id)",
      batchToken: "a'; rm -rf /; '$HOME",
      configWaitSeconds: 1,
      runner: {
        kind: "download",
        release: { ...DEFAULT_RUNNER_RELEASE, archiveBaseUrl: "http://127.0.0.1:1/r'$x" },
      },
    },
  ],
  [
    "test paths and a loopback IMDS",
    {
      edgeUrl: "http://127.0.0.1:8787",
      batchToken: "t",
      imdsUrl: "http://127.0.0.1:9999/",
      paths: { runnerHome: "/tmp/gantry boot/home", log: "/tmp/gantry boot/log" },
      spotPollSeconds: 1,
    },
  ],
  [
    "a hibernating stopped pool's instance",
    { edgeUrl: "https://edge.example.com", batchToken: "t", isStandby: true, hibernates: true },
  ],
];

Deno.test("every rendered boot script passes shellcheck", async () => {
  const hasShellcheck = await new Deno.Command("sh", {
    args: ["-c", "command -v shellcheck"],
    stdout: "null",
  }).output();
  assert.ok(
    hasShellcheck.success,
    "shellcheck is missing: run scripts/ensure_debian_package.sh shellcheck shellcheck (apt-get install -y shellcheck)",
  );
  for (const [name, input] of VARIANTS) {
    const path = await Deno.makeTempFile({ suffix: ".sh" });
    await Deno.writeTextFile(path, renderUserData(input));
    const result = await new Deno.Command("shellcheck", {
      args: ["--shell=bash", "--severity=style", path],
      stdout: "piped",
    }).output();
    await Deno.remove(path);
    assert.equal(result.code, 0, `${name}:\n${new TextDecoder().decode(result.stdout)}`);
  }
});
