/**
 * `deno task dev` (README: `npm ci && npm run dev`): the whole system on one
 * machine, loopback only — libSQL over HTTP, the EC2 emulator and GitHub fake
 * (simulated AWS and GitHub), the edge in workerd with local persistence, and
 * the core — then a workload simulator playing a day of CI every few minutes
 * (scripts/workload/). Every instance the core launches runs the core's own
 * boot script with bash (scripts/workload/script_player.ts) where this
 * machine has bash, curl and python3; elsewhere an agent plays its calls.
 * Ctrl-C stops everything it started.
 *
 * Env: GANTRY_DEV_PORT (edge, default 8787), GANTRY_DEV_SEED (the day's plan),
 * GANTRY_DEV_DAY_MINUTES (wall minutes per simulated day, default 10),
 * GANTRY_DEV_BOOT (`script` or `agent`; default: `script` where it can run).
 */
import { createClient } from "@libsql/client/web";
import { migrate } from "../core/db/migrate.ts";
import { operatorToken, seedTestOperators } from "../test/support/operator.ts";
import { INSTALLATION_ID, type LocalStack, startLocalStack } from "./workload/local_stack.ts";
import { agentPlayer, type InstancePlayer } from "./workload/instance_player.ts";
import { missingBootTools, startScriptPlayer } from "./workload/script_player.ts";
import { startWorkload, type Workload } from "./workload/simulator.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const STATE = `${ROOT}.dev-state`;
const WEBHOOK_SECRET = "local-webhook-secret";
const SESSION_SECRET = "local-session-secret-change-me-0123456789";
const BOOTSTRAP_TOKEN = "local-bootstrap-token-change-me-0123456789";
const EDGE_PORT = Number(Deno.env.get("GANTRY_DEV_PORT") ?? 8787);
const SEED = Number(Deno.env.get("GANTRY_DEV_SEED") ?? Math.floor(Math.random() * 1e6));
const DAY_MINUTES = Number(Deno.env.get("GANTRY_DEV_DAY_MINUTES") ?? 10);
const REPOS = ["octocat/hello-world", "octocat/spoon-knife"];
const BOOT = Deno.env.get("GANTRY_DEV_BOOT") ?? "";
if (!["", "script", "agent"].includes(BOOT)) {
  throw new Error(`GANTRY_DEV_BOOT must be script or agent, not "${BOOT}"`);
}

const startedAt = Date.now();
const stack = await startLocalStack({
  stateDir: STATE,
  repos: REPOS,
  pools: [
    { name: "small", instance_types: ["t3.small", "t3.medium"], default: true },
    // Spot, so the day's spot interruptions have something to reclaim.
    { name: "large", instance_types: ["m5.large", "m5.xlarge"], priority: 10, spot: true },
  ],
  webhookSecret: WEBHOOK_SECRET,
  sessionSecret: SESSION_SECRET,
  bootstrapToken: BOOTSTRAP_TOKEN,
  edgePort: EDGE_PORT,
});
let isStopping = false;
/** Set once the workload starts (shutdown may come first). */
const running: { workload?: Workload } = {};
const shutdown = async () => {
  if (isStopping) return;
  isStopping = true;
  console.log("\nstopping…");
  clearInterval(coreLog);
  await running.workload?.stop();
  await stack.stop();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
// The core's log, for `tail -f` (its output is captured, not shown).
let coreLogWritten = 0;
const coreLog = setInterval(() => {
  const output = stack.core.output();
  if (output.length === coreLogWritten) return;
  Deno.writeTextFileSync(`${STATE}/core.log`, output.slice(coreLogWritten), { append: true });
  coreLogWritten = output.length;
}, 1_000);
stack.core.status.then((status) => {
  if (!isStopping) {
    console.error(`core exited (${status.code}):\n${stack.core.output().slice(-3000)}`);
  }
});

const consoleAdmin = await ensureConsoleAdmin(stack);
const { player, bootLine } = await instancePlayer(stack.edge.url);
const token = await operatorToken(SESSION_SECRET, "admin", { expiresIn: "12h" });
const { edge, libsql, ec2, github } = stack;
console.log(`
Gantry is running. AWS and GitHub are SIMULATED locally (the console says so).
  console     ${edge.url}
  sign in     ${consoleAdmin.email} / ${consoleAdmin.password}
  edge        ${edge.url}   (webhooks: POST ${edge.url}/webhook, secret "${WEBHOOK_SECRET}")
  libSQL      ${libsql.url}
  EC2 (sim)   ${ec2.url}   (state: GET ${ec2.url}/_emulator/instances)
  GitHub(sim) ${github.url}
  core log    ${STATE}/core.log
Jobs as the console API sees them:
  curl -s -H 'Authorization: Bearer ${token}' ${edge.url}/api/v1/jobs | head -c 2000
Metrics, the edge's and the core's (gantry_core_*):
  curl -s -H 'Authorization: Bearer ${token}' ${edge.url}/metrics | grep '^gantry_core'
Workload: a day of CI every ${DAY_MINUTES} min (seed ${SEED}; replay with GANTRY_DEV_SEED=${SEED}).
Instances: ${bootLine}
Ctrl-C stops everything. Started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.
`);

const workload = startWorkload({
  edgeUrl: edge.url,
  webhookSecret: WEBHOOK_SECRET,
  installationId: INSTALLATION_ID,
  ec2,
  github,
  player,
  day: {
    seed: SEED,
    dayMs: DAY_MINUTES * 60_000,
    repos: REPOS,
    targets: [
      { name: "small", labels: ["self-hosted", "my-app"], weight: 2 },
      { name: "large", labels: ["self-hosted", "my-app", "large"], weight: 1 },
    ],
    shortageTypes: ["t3.small", "m5.large"],
  },
  log: (line) => console.log(`workload ${line}`),
});
running.workload = workload;
workload.firstCompleted.then((ms) =>
  console.log(`workload: first job completed ${(ms / 1000).toFixed(1)} s after the workload began`)
);

/** The boot script with bash where this machine can run it, else the agent. */
async function instancePlayer(
  edgeUrl: string,
): Promise<{ player: InstancePlayer; bootLine: string }> {
  const missing = BOOT === "agent" ? [] : await missingBootTools();
  if (BOOT === "script" && missing.length > 0) {
    throw new Error(`GANTRY_DEV_BOOT=script, but this machine lacks ${missing.join(", ")}`);
  }
  if (BOOT === "agent" || missing.length > 0) {
    const why = BOOT === "agent" ? "GANTRY_DEV_BOOT=agent" : `no ${missing.join(", ")} here`;
    return { player: agentPlayer(), bootLine: `an agent plays the boot script's calls (${why})` };
  }
  return {
    player: await startScriptPlayer({ edgeUrl }),
    bootLine: "each runs the core's boot script with bash (runner download from the local release)",
  };
}

/**
 * The console's first admin, made through the real bootstrap endpoint on the
 * first run (random password) and remembered in .dev-state for later runs.
 */
async function ensureConsoleAdmin(
  { libsql, edge }: LocalStack,
): Promise<{ email: string; password: string }> {
  const file = `${STATE}/console-admin.json`;
  try {
    const saved = JSON.parse(await Deno.readTextFile(file));
    if (await canSignIn(edge.url, saved)) return saved;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const client = createClient({ url: libsql.url });
  await migrate(client);
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const admin = {
    email: "admin@localhost.test",
    password: btoa(String.fromCharCode(...bytes)).replaceAll("/", "_").replaceAll("+", "-"),
  };
  let response: Response;
  try {
    response = await fetch(`${edge.url}/api/v1/auth/bootstrap`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(admin),
    });
  } finally {
    // The printed API token's operator (the edge checks its users row on every request), seeded
    // after the bootstrap: that takes only an empty users table.
    await seedTestOperators(client);
    client.close();
  }
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

/** Whether the console accepts these credentials (the saved admin may predate the database). */
async function canSignIn(edgeUrl: string, credentials: { email: string; password: string }) {
  const response = await fetch(`${edgeUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credentials),
  });
  await response.body?.cancel();
  return response.ok;
}
