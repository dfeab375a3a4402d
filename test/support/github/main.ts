/**
 * Run the GitHub API fake as its own process:
 *
 * ```sh
 * npx deno run -A test/support/github/main.ts --port 3000 --key-out /tmp/app.pem [--app-id 424242] [--installation 1001:acme[:repo1,repo2]]...
 * ```
 *
 * It writes the app's private key (PKCS#8 PEM) to `--key-out`, prints
 * `GitHub API fake listening on http://127.0.0.1:PORT` once ready, and serves
 * until SIGINT or SIGTERM. Drive it over HTTP under `/_github/` (see fake.ts).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type InstallationConfig, startGithubFake } from "./fake.ts";

/** Parse `--installation ID:ACCOUNT[:repo,repo]`. */
function installationOf(text: string): InstallationConfig {
  const [id, account, repos] = text.split(":");
  if (!/^\d+$/.test(id ?? "") || !account) {
    throw new Error(`--installation must look like 1001:acme or 1001:acme:web,api, got ${text}`);
  }
  return { id: Number(id), account, ...(repos ? { repos: repos.split(",") } : {}) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "3000" },
      hostname: { type: "string", default: "127.0.0.1" },
      "key-out": { type: "string" },
      "app-id": { type: "string" },
      installation: { type: "string", multiple: true },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be an integer between 0 and 65535, got ${values.port}`);
    Deno.exit(2);
  }
  const fake = await startGithubFake({
    port,
    hostname: values.hostname,
    appId: values["app-id"] === undefined ? undefined : Number(values["app-id"]),
    installations: values.installation?.map(installationOf),
  });
  if (values["key-out"] !== undefined) {
    await Deno.writeTextFile(values["key-out"], fake.privateKeyPem, { mode: 0o600 });
  }
  console.log(`GitHub API fake listening on ${fake.url}`);
  console.log(
    `app id ${fake.appId}; installations ${
      fake.installations.map((i) => `${i.id} on ${i.account}`).join(", ")
    }`,
  );

  const stop = async () => {
    await fake.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
