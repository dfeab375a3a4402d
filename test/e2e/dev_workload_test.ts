/**
 * `npm run dev` in small: the local stack (libSQL, EC2 emulator, GitHub fake,
 * edge in workerd, the core process) and the workload playing its instances
 * with the core's boot script in bash. The first job of the day completes on
 * a runner that a script started: its `run.sh`, from the release the script
 * downloaded and verified, was handed the JIT config the GitHub fake issued.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { INSTALLATION_ID, startLocalStack } from "../../scripts/workload/local_stack.ts";
import { startScriptPlayer } from "../../scripts/workload/script_player.ts";
import { startWorkload } from "../../scripts/workload/simulator.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";

const WEBHOOK_SECRET = "dev-workload-webhook-secret";
const REPO = "octocat/hello-world";
const FIRST_JOB_WITHIN_MS = 120_000;
const SESSION_SECRET = "dev-workload-session-secret-0123456789";

/** The core's launches as the edge's `/metrics` serves them, by core id and pool. */
async function coreLaunches(edgeUrl: string): Promise<Record<string, string>[]> {
  const response = await fetch(`${edgeUrl}/metrics`, {
    headers: { authorization: `Bearer ${await operatorToken(SESSION_SECRET)}` },
  });
  assert.equal(response.status, 200);
  const families = parsePrometheusTextFormat(await response.text()) as {
    name: string;
    metrics: { labels?: Record<string, string>; value: string }[];
  }[];
  const launches = families.find((family) => family.name === "gantry_core_launches_total");
  return (launches?.metrics ?? []).map((metric) => ({ ...metric.labels, value: metric.value }));
}

Deno.test("the dev workload's first job runs on a runner its instance's boot script started", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "gantry-dev-workload-" });
  const stack = await startLocalStack({
    stateDir,
    repos: [REPO],
    pools: [{ name: "small", instance_types: ["t3.small"], default: true }],
    webhookSecret: WEBHOOK_SECRET,
    sessionSecret: SESSION_SECRET,
  });
  const player = await startScriptPlayer({ edgeUrl: stack.edge.url, holdSeconds: 300 });
  const lines: string[] = [];
  const workload = startWorkload({
    edgeUrl: stack.edge.url,
    webhookSecret: WEBHOOK_SECRET,
    installationId: INSTALLATION_ID,
    ec2: stack.ec2,
    github: stack.github,
    player,
    // Only the day's opening burst falls inside the test.
    day: {
      seed: 7,
      dayMs: 3_600_000,
      repos: [REPO],
      targets: [{ name: "small", labels: ["self-hosted", "my-app"], weight: 1 }],
      shortageTypes: ["t3.small"],
      runsPerDay: 4,
    },
    bootMs: [0, 0],
    log: (line) => lines.push(line),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const firstMs = await Promise.race([
      workload.firstCompleted,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), FIRST_JOB_WITHIN_MS)),
    ]);
    assert.notEqual(firstMs, null, `no job completed:\n${lines.slice(-30).join("\n")}`);
    const completed = [...stack.github.jobs.values()].filter((job) =>
      job.status === "completed" && job.runner_name !== null
    );
    assert.ok(completed.length >= 1);
    const started = player.runnersStarted();
    for (const job of completed) {
      assert.ok(
        started.includes(job.runner_name!),
        `${job.runner_name} ran job ${job.id}, but no boot script started it (${started})`,
      );
    }
    assert.ok(player.scriptsStarted() >= completed.length);
    assert.ok(stack.release.downloads() >= completed.length, "each script downloaded the runner");
    assert.deepEqual(
      lines.filter((line) => /started no runner|bootstrap/.test(line)),
      [],
      "no boot script failed",
    );

    // What an operator of `npm run dev` sees at /metrics: the core's own series, under its id.
    const client = createClient({ url: stack.libsql.url });
    await seedTestOperators(client);
    client.close();
    let launches = await coreLaunches(stack.edge.url);
    // The core sends its registry on its control call, every 2 s: wait for one after the launch.
    for (let tries = 0; tries < 50 && launches.length === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      launches = await coreLaunches(stack.edge.url);
    }
    assert.equal(launches.length, 1, JSON.stringify(launches));
    assert.equal(launches[0].core_id, "core-local");
    assert.equal(launches[0].pool, "small");
    assert.ok(Number(launches[0].value) >= completed.length, JSON.stringify(launches));
  } finally {
    clearTimeout(timer);
    await workload.stop();
    await stack.stop();
    await Deno.remove(stateDir, { recursive: true });
  }
});
