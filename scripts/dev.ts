/**
 * `deno task dev` (README: `npm ci && npm run dev`): the whole system on one
 * machine, loopback only — libSQL over HTTP, the EC2 emulator and GitHub fake
 * (simulated AWS and GitHub), the edge in workerd with local persistence, and
 * the core — then a small workload that sends signed webhooks so jobs flow.
 * Ctrl-C stops everything it started.
 */
import { createClient } from "@libsql/client";
import { stringify as toYaml } from "yaml";
import { migrate } from "../core/db/migrate.ts";
import { coreKeyPair, startEdge } from "../test/support/edge.ts";
import { startEc2Emulator } from "../test/support/ec2/emulator.ts";
import { startGithubFake } from "../test/support/github/fake.ts";
import { startLibsqlServer } from "../test/support/libsql/server.ts";
import { operatorToken } from "../test/support/operator.ts";
import { spawn } from "../test/support/process.ts";
import { postWebhook, workflowJobPayload } from "../test/support/webhooks.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const STATE = `${ROOT}.dev-state`;
const WEBHOOK_SECRET = "local-webhook-secret";
const SESSION_SECRET = "local-session-secret-change-me-0123456789";
const BOOTSTRAP_TOKEN = "local-bootstrap-token-change-me-0123456789";
const EDGE_PORT = Number(Deno.env.get("GANTRY_DEV_PORT") ?? 8787);
const REPOS = ["octocat/hello-world", "octocat/spoon-knife"];

await Deno.mkdir(STATE, { recursive: true });
const libsql = await startLibsqlServer({ path: `${STATE}/gantry.db` });
const ec2 = await startEc2Emulator();
const github = await startGithubFake({
  appId: 1,
  installations: [{ id: 1, account: "octocat", repos: REPOS.map((r) => r.split("/")[1]) }],
});
const keys = await coreKeyPair("core-dev");
const edge = await startEdge({
  GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  CORE_PUBLIC_KEYS: keys.jwks,
  SESSION_SECRET,
  LIBSQL_URL: libsql.url,
  BOOTSTRAP_TOKEN,
}, { port: EDGE_PORT, stateDir: `${STATE}/edge` });
const consoleAdmin = await ensureConsoleAdmin();

await Deno.writeTextFile(`${STATE}/core.pem`, keys.privateKeyPem);
await Deno.writeTextFile(`${STATE}/github.pem`, github.privateKeyPem);
const pool = (name: string, types: string[], extra: Record<string, unknown> = {}) => ({
  name,
  ami: "ami-0123456789abcdef0",
  instance_types: types,
  subnets: ["subnet-a0001", "subnet-b0002"],
  security_groups: ["sg-0de7"],
  ...extra,
});
await Deno.writeTextFile(
  `${STATE}/gantry.yaml`,
  toYaml({
    edge: { url: edge.url, core_id: "core-dev", private_key_file: `${STATE}/core.pem` },
    database: { url: libsql.url },
    aws: {
      region: "us-east-1",
      endpoint: ec2.url,
      access_key_id: "AKIDSIMULATED",
      secret_access_key: "simulated",
    },
    github: { app_id: 1, private_key_file: `${STATE}/github.pem`, api_url: github.url },
    log: { level: "info", format: "text" },
    projects: [{
      name: "my-app",
      tags: { team: "platform" },
      repos: REPOS.map((full_name) => ({ full_name })),
      pools: [
        pool("small", ["t3.small", "t3.medium"], { default: true }),
        pool("large", ["m5.large", "m5.xlarge"], { priority: 10 }),
      ],
    }],
  }),
);
const core = spawn(Deno.execPath(), [
  "run",
  "-A",
  "core/main.ts",
  "--config",
  `${STATE}/gantry.yaml`,
], {
  cwd: ROOT,
});
const token = await operatorToken(SESSION_SECRET, "admin", { expiresIn: "12h" });
console.log(`
Gantry is running (AWS and GitHub are SIMULATED locally):
  edge        ${edge.url}   (webhooks: POST ${edge.url}/webhook, secret "${WEBHOOK_SECRET}")
  libSQL      ${libsql.url}
  EC2 (sim)   ${ec2.url}
  GitHub(sim) ${github.url}
Console: ${edge.url}  (sign in as ${consoleAdmin.email} / ${consoleAdmin.password})
Jobs as the console API sees them:
  curl -s -H 'Authorization: Bearer ${token}' ${edge.url}/api/v1/jobs | head -c 2000
Ctrl-C stops everything.
`);

// A small workload: a job every couple of seconds, run for a few seconds, then completed.
let nextJob = Math.floor(Date.now() / 1000) * 100;
const timers = new Set<ReturnType<typeof setTimeout>>();
const workload = setInterval(async () => {
  const jobId = nextJob++;
  const repo = REPOS[jobId % REPOS.length];
  const labels = jobId % 3 === 0 ? ["self-hosted", "my-app", "large"] : ["self-hosted", "my-app"];
  const send = (action: "queued" | "in_progress" | "completed", runnerName?: string) =>
    workflowJobPayload({ action, jobId, repo, labels, runnerName }).then((payload) =>
      postWebhook(edge.url, payload, { secret: WEBHOOK_SECRET })
    ).then((r) => r.body?.cancel()).catch((error) => console.error(`workload: ${error}`));
  await send("queued");
  const runner = `gantry-${jobId}-1`;
  const start = setTimeout(() => send("in_progress", runner), 3_000);
  const finish = setTimeout(() => send("completed", runner), 6_000 + (jobId % 5) * 1_000);
  timers.add(start);
  timers.add(finish);
}, 2_000);

const shutdown = async () => {
  clearInterval(workload);
  for (const timer of timers) clearTimeout(timer);
  console.log("\nstopping…");
  await core.stop();
  await edge.stop();
  await Promise.all([ec2.close(), github.close(), libsql.close()]);
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
core.status.then((status) => {
  if (status.code !== 0) {
    console.error(`core exited (${status.code}):\n${core.output().slice(-3000)}`);
  }
});

/**
 * The console's first admin, made through the real bootstrap endpoint on the
 * first run (random password) and remembered in .dev-state for later runs.
 */
async function ensureConsoleAdmin(): Promise<{ email: string; password: string }> {
  const file = `${STATE}/console-admin.json`;
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const client = createClient({ url: libsql.url });
  await migrate(client);
  client.close();
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const admin = {
    email: "admin@localhost.test",
    password: btoa(String.fromCharCode(...bytes)).replaceAll("/", "_").replaceAll("+", "-"),
  };
  const response = await fetch(`${edge.url}/api/v1/auth/bootstrap`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(admin),
  });
  if (response.status === 409) {
    await response.body?.cancel();
    return { email: "your earlier account", password: "(rm -r .dev-state to start afresh)" };
  }
  if (response.status !== 201) {
    throw new Error(`console bootstrap failed (${response.status}): ${await response.text()}`);
  }
  await Deno.writeTextFile(file, JSON.stringify(admin));
  return admin;
}
