/**
 * The proof that every hop works: a signed `queued` webhook reaches the edge
 * (workerd), a core leases it, routes it to its pool, asks the GitHub fake for
 * a JIT config, launches through the EC2 emulator, and the console API shows
 * it starting; `in_progress` and `completed` then terminate the instance and
 * give the job a cost. Run once with `deno run core/main.ts` and once with the
 * bundled core.
 */
import { createClient } from "@libsql/client/web";
import { migrate } from "../../core/db/migrate.ts";
import assert from "node:assert/strict";
import { stringify as toYaml } from "yaml";
import type { JobView } from "../../shared/schema/api.ts";
import { bundleCore } from "../support/bundle.ts";
import { coreConfigOf, startCoreWorld } from "../support/core_world.ts";
import type { Edge } from "../support/edge.ts";
import { type Ec2Emulator, startEc2Emulator } from "../support/ec2/emulator.ts";
import type { GithubFake } from "../support/github/fake.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";
import { spawn } from "../support/process.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = Deno.execPath();
const WEBHOOK_SECRET = "e2e-webhook-secret";
const SESSION_SECRET = "e2e-session-secret-0123456789abcdef";
const REPO = "octocat/hello-world";

interface Stack {
  edge: Edge;
  ec2: Ec2Emulator;
  github: GithubFake;
  configPath: string;
  close(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const libsql = await startLibsqlServer({});
  // The console API checks the operator's users row on every request.
  const seeding = createClient({ url: libsql.url });
  await migrate(seeding);
  await seedTestOperators(seeding);
  seeding.close();
  const ec2 = await startEc2Emulator();
  const dir = await Deno.makeTempDir({ prefix: "gantry-e2e-" });
  const world = await startCoreWorld({
    dir,
    libsql,
    webhookSecret: WEBHOOK_SECRET,
    sessionSecret: SESSION_SECRET,
  });
  const { edge, github } = world;
  const configPath = `${dir}/gantry.yaml`;
  await Deno.writeTextFile(
    configPath,
    toYaml({
      ...coreConfigOf(world, { coreId: "core-e2e", ec2Url: ec2.url, leaseWaitSeconds: 2 }),
      database: { url: libsql.url },
      log: { level: "debug", format: "json" },
      projects: [{
        name: "my-app",
        tags: { team: "platform" },
        repos: [{ full_name: REPO }],
        pools: [
          {
            name: "small",
            default: true,
            ami: "ami-0abcdef1234567890",
            instance_types: ["t3.small"],
            subnets: ["subnet-aaa111"],
            security_groups: ["sg-0123"],
          },
          {
            name: "large",
            priority: 10,
            ami: "ami-0abcdef1234567890",
            instance_types: ["m5.large", "m5.xlarge"],
            subnets: ["subnet-aaa111", "subnet-bbb222"],
            security_groups: ["sg-0123"],
            tags: { size: "large" },
          },
        ],
      }],
    }),
  );
  return {
    edge,
    ec2,
    github,
    configPath,
    async close() {
      await world.close();
      await Promise.all([ec2.close(), libsql.close()]);
    },
  };
}

async function jobsOf(edgeUrl: string): Promise<JobView[]> {
  const response = await fetch(`${edgeUrl}/api/v1/jobs?repo=${REPO}`, {
    headers: { authorization: `Bearer ${await operatorToken(SESSION_SECRET)}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).jobs;
}

async function waitForJob(
  edgeUrl: string,
  id: string,
  isDone: (job: JobView) => boolean,
  diagnostics: () => string,
): Promise<JobView> {
  const deadline = Date.now() + 30_000;
  let last: JobView | undefined;
  while (Date.now() < deadline) {
    last = (await jobsOf(edgeUrl)).find((job) => job.id === id);
    if (last && isDone(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} never got there; last seen ${JSON.stringify(last)}\n${diagnostics()}`);
}

async function oneJobFlows(stack: Stack, coreArgs: string[], jobId: number) {
  const core = spawn(DENO, ["run", "-A", ...coreArgs, "--config", stack.configPath], { cwd: ROOT });
  let isPassing = false;
  try {
    await core.waitForOutput(/gantry-core started/, 30_000);
    const labels = ["self-hosted", "my-app", "large", "octocat-hello-world"];
    const queued = await postWebhook(
      stack.edge.url,
      await workflowJobPayload({ action: "queued", jobId, repo: REPO, labels }),
      { secret: WEBHOOK_SECRET },
    );
    assert.equal(queued.status, 202, await queued.text());

    const starting = await waitForJob(
      stack.edge.url,
      String(jobId),
      (job) => job.state === "starting",
      core.output,
    );
    assert.equal(starting.project, "my-app");
    assert.equal(starting.pool, "large");
    assert.ok(starting.instanceId?.startsWith("i-"), `instance id ${starting.instanceId}`);
    assert.equal(starting.instanceType, "m5.large");

    const jit = stack.github.calls.filter((c) =>
      c.method === "POST" && c.path.endsWith("/actions/runners/generate-jitconfig") &&
      (c.body as { name?: string }).name?.includes(String(jobId))
    );
    assert.equal(jit.length, 1, "one JIT config asked for");
    const jitBody = jit[0].body as { name: string; labels: string[] };
    assert.deepEqual(jitBody.labels, labels);

    const launches = stack.ec2.calls.filter((c) =>
      (c.action === "RunInstances" || c.action === "CreateFleet") && !c.error &&
      Object.values(c.params).includes(String(jobId))
    );
    assert.equal(launches.length, 1, "exactly one launch call for the job");
    const params = launches[0].params;
    // The pool spawns by fleet: one instant CreateFleet for one machine over every type × subnet.
    assert.equal(launches[0].action, "CreateFleet");
    assert.equal(params.Type, "instant");
    assert.equal(params["TargetCapacitySpecification.TotalTargetCapacity"], "1");
    const overrides = Object.keys(params).filter((k) => /Overrides\.\d+\.InstanceType$/.test(k));
    assert.equal(overrides.length, 4, "m5.large and m5.xlarge in each of two subnets");
    const template = stack.ec2.calls.find((c) => c.action === "CreateLaunchTemplate" && !c.error);
    assert.ok(template, "the pool's launch template was created");
    assert.ok(params.ClientToken?.includes(String(jobId)));
    assert.ok(
      Object.values(params).some((v) => v.startsWith("lt-")),
      "launched from the pool's template",
    );
    const tagValues = Object.entries(params).filter(([k]) => k.includes(".Tag.")).map(([, v]) => v);
    for (const expected of ["gantry:job", "gantry:pool", "large", "team", "platform", "size"]) {
      assert.ok(tagValues.includes(expected), `launch tags include ${expected}: ${tagValues}`);
    }

    const runnerName = jitBody.name;
    for (const action of ["in_progress", "completed"] as const) {
      const response = await postWebhook(
        stack.edge.url,
        await workflowJobPayload({ action, jobId, repo: REPO, labels, runnerName }),
        { secret: WEBHOOK_SECRET },
      );
      assert.equal(response.status, 202, await response.text());
    }
    const completed = await waitForJob(
      stack.edge.url,
      String(jobId),
      (job) => job.state === "completed",
      core.output,
    );
    assert.equal(completed.instanceId, starting.instanceId);
    assert.equal(typeof completed.costUsd, "number");
    assert.ok(completed.costUsd! > 0, `cost ${completed.costUsd}`);
    assert.equal(completed.priceUsdPerHour, 0.096, "m5.large on-demand price from the Pricing API");
    const terminated = stack.ec2.calls.filter((c) =>
      c.action === "TerminateInstances" && Object.values(c.params).includes(starting.instanceId!)
    );
    assert.equal(terminated.length, 1, "the instance was terminated once");
    assert.equal(
      stack.ec2.instances().find((i) => i.instanceId === starting.instanceId)?.state,
      "terminated",
    );
    isPassing = true;
  } finally {
    const status = await core.stop();
    if (isPassing) {
      assert.equal(status.code, 0, `core exits cleanly on SIGTERM:\n${core.output().slice(-3000)}`);
    } else {
      console.error(
        `core output:\n${core.output().slice(-6000)}\nedge output:\n${
          stack.edge.process.output().slice(-3000)
        }`,
      );
    }
  }
}

Deno.test("one job flows end to end, through the core run from source and bundled", async (t) => {
  const stack = await startStack();
  try {
    await t.step("core from source (deno run core/main.ts)", async () => {
      await oneJobFlows(stack, ["core/main.ts"], 9_000_001);
    });
    await t.step("bundled core (dist/gantry-core.js)", async () => {
      await oneJobFlows(stack, [await bundleCore()], 9_000_002);
    });
    await t.step("a webhook with a wrong signature gets 401 and stores nothing", async () => {
      const before = await jobsOf(stack.edge.url);
      const response = await postWebhook(
        stack.edge.url,
        await workflowJobPayload({ action: "queued", jobId: 9_000_003, repo: REPO }),
        { secret: WEBHOOK_SECRET, signature: "sha256=" + "0".repeat(64) },
      );
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "unauthorized");
      const queue = await fetch(`${stack.edge.url}/api/v1/queue`, {
        headers: { authorization: `Bearer ${await operatorToken(SESSION_SECRET)}` },
      });
      const stats = await queue.json();
      assert.equal(stats.ready + stats.leased + stats.delayed, 0, JSON.stringify(stats));
      assert.deepEqual((await jobsOf(stack.edge.url)).map((j) => j.id), before.map((j) => j.id));
    });
  } finally {
    await stack.close();
  }
});
