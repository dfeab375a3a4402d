/**
 * A whole Gantry for fault drills: libSQL (restartable on its port and file),
 * the edge in workerd, the EC2 emulator, the GitHub fake, and core processes
 * run from source. Drills judge observable outcomes only, so they hold
 * whatever shape the launch calls take: instances per `gantry:job` tag in
 * the emulator, job states and transitions in libSQL.
 */
import assert from "node:assert/strict";
import { type Client, createClient } from "@libsql/client/web";
import { stringify as toYaml } from "yaml";
import { coreConfigOf, startCoreWorld } from "../support/core_world.ts";
import type { Edge } from "../support/edge.ts";
import { type Ec2Emulator, LAGGING, startEc2Emulator } from "../support/ec2/emulator.ts";
import type { GithubFake } from "../support/github/fake.ts";
import { type LibsqlServer, startLibsqlServer } from "../support/libsql/server.ts";
import { type ChildProcess, spawn } from "../support/process.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WEBHOOK_SECRET = "drill-webhook-secret";
export const SESSION_SECRET = "drill-session-secret-0123456789abcdef";
export const REPO = "octocat/hello-world";
export const LABELS = ["self-hosted", "my-app", "small", "octocat-hello-world"];

export interface DrillStack {
  edge: Edge;
  ec2: Ec2Emulator;
  github: GithubFake;
  libsql: LibsqlServer;
  dir: string;
  /** A plain client on libSQL, to judge what landed. */
  db: Client;
  /** Starts a core process with its own buffer file; `extra` is merged into its config. */
  startCore(name: string, extra?: Record<string, unknown>): Promise<ChildProcess>;
  /**
   * A client on core `name`'s local buffer file, served by a libSQL server
   * process of its own while the core runs (the native engine stays out of
   * the test runner); closed with the stack.
   */
  openBuffer(name: string): Promise<Client>;
  /** Stops libSQL (connections refused) until {@link restartLibsql}. */
  stopLibsql(): Promise<void>;
  restartLibsql(): Promise<void>;
  /** Posts a signed `workflow_job` webhook; asserts the edge took it. */
  post(
    action: "queued" | "in_progress" | "completed",
    jobId: number,
    runnerName?: string,
  ): Promise<void>;
  /** Stops everything; on a failed drill, prints the cores' output first. */
  close(error?: unknown): Promise<void>;
}

export async function startDrillStack(
  options: { secrets?: { awsSecret?: string; dbToken?: string } } = {},
): Promise<DrillStack> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-drill-" });
  const dbPath = `${dir}/libsql.db`;
  const authToken = options.secrets?.dbToken;
  let libsql = await startLibsqlServer({ path: dbPath, authToken });
  const port = libsql.port;
  // Drills run against an eventually consistent EC2, as the real one is.
  const ec2 = await startEc2Emulator({ consistency: LAGGING });
  const world = await startCoreWorld({
    dir,
    libsql: { url: libsql.url, authToken },
    webhookSecret: WEBHOOK_SECRET,
    sessionSecret: SESSION_SECRET,
  });
  const { github, edge } = world;
  if (options.secrets?.awsSecret) {
    await Deno.writeTextFile(`${dir}/aws.secret`, options.secrets.awsSecret);
  }
  if (authToken) await Deno.writeTextFile(`${dir}/db.token`, authToken);
  const db = createClient({ url: libsql.url, authToken });
  const cores: ChildProcess[] = [];
  const bufferReaders: { server: LibsqlServer; client: Client }[] = [];

  return {
    edge,
    ec2,
    github,
    get libsql() {
      return libsql;
    },
    dir,
    db,
    async startCore(name, extra = {}) {
      const common = coreConfigOf(world, { coreId: name, ec2Url: ec2.url, leaseWaitSeconds: 1 });
      // The secret key from a file, as an operator would keep it out of the YAML.
      const awsFromFile = ({ secret_access_key: _, ...aws }: typeof common.aws) => ({
        ...aws,
        secret_access_key_file: `${dir}/aws.secret`,
      });
      const config = {
        edge: { ...common.edge, lease_batch: 20, lease_seconds: 5 },
        database: {
          url: libsql.url,
          buffer_path: `${name}-buffer.db`,
          retry_interval_ms: 200,
          ...(authToken ? { auth_token_file: `${dir}/db.token` } : {}),
        },
        aws: options.secrets?.awsSecret ? awsFromFile(common.aws) : common.aws,
        github: common.github,
        scheduler: { reap_interval_seconds: 2 },
        log: { level: "debug", format: "json" },
        projects: [{
          name: "my-app",
          repos: [{ full_name: REPO }],
          pools: [{
            name: "small",
            default: true,
            ami: "ami-0abcdef1234567890",
            instance_types: ["t3.small"],
            subnets: ["subnet-aaa111"],
            security_groups: ["sg-0123"],
          }],
        }],
        ...extra,
      };
      const path = `${dir}/${name}.yaml`;
      await Deno.writeTextFile(path, toYaml(config));
      const core = spawn(Deno.execPath(), ["run", "-A", "core/main.ts", "--config", path], {
        cwd: ROOT,
      });
      cores.push(core);
      await core.waitForOutput(/gantry-core started/, 60_000);
      return core;
    },
    async openBuffer(name) {
      const server = await startLibsqlServer({ path: `${dir}/${name}-buffer.db` });
      const client = createClient({ url: server.url });
      bufferReaders.push({ server, client });
      return client;
    },
    async stopLibsql() {
      await libsql.close();
    },
    async restartLibsql() {
      libsql = await startLibsqlServer({ port, path: dbPath, authToken });
    },
    async post(action, jobId, runnerName) {
      const response = await postWebhook(
        edge.url,
        await workflowJobPayload({ action, jobId, repo: REPO, labels: LABELS, runnerName }),
        { secret: WEBHOOK_SECRET },
      );
      assert.ok(
        response.status < 300,
        `${action} ${jobId}: ${response.status} ${await response.text()}`,
      );
    },
    async close(error?: unknown) {
      await Promise.all(cores.map((core) => core.stop(2_000)));
      if (error !== undefined) {
        for (const core of cores) {
          console.error(`core ${core.pid}:\n${core.output().slice(-12_000)}`);
        }
      }
      db.close();
      for (const reader of bufferReaders) reader.client.close();
      await Promise.all(bufferReaders.map((reader) => reader.server.close()));
      await world.close();
      await Promise.all([ec2.close(), libsql.close()]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Instances per `gantry:job` tag, terminated ones included. */
export function instancesPerJob(ec2: Ec2Emulator): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  for (const instance of ec2.instances()) {
    const job = instance.tags["gantry:job"];
    if (!job) continue;
    byJob.set(job, [...byJob.get(job) ?? [], instance.instanceId]);
  }
  return byJob;
}

/** Job states in libSQL by job id. */
export async function jobStates(db: Client): Promise<Map<string, string>> {
  const result = await db.execute("SELECT id, state FROM jobs");
  return new Map(result.rows.map((row) => [String(row.id), String(row.state)]));
}

/** Each job's transitions in libSQL, oldest first, as `from>to`. */
export async function transitions(db: Client): Promise<Map<string, string[]>> {
  const result = await db.execute(
    "SELECT job_id, from_state, to_state FROM job_transitions ORDER BY id",
  );
  const byJob = new Map<string, string[]>();
  for (const row of result.rows) {
    const id = String(row.job_id);
    byJob.set(id, [...byJob.get(id) ?? [], `${row.from_state ?? "-"}>${row.to_state}`]);
  }
  return byJob;
}

/** Asserts each job's transitions form one chain (each step starts where the last ended). */
export function assertChains(byJob: Map<string, string[]>, jobIds: readonly string[]): void {
  for (const id of jobIds) {
    const steps = byJob.get(id) ?? [];
    assert.ok(steps.length > 0, `job ${id} has no transitions in libSQL`);
    assert.match(steps[0], /^->queued$/, `job ${id} starts queued: ${steps}`);
    for (let i = 1; i < steps.length; i++) {
      const [from] = steps[i].split(">");
      const [, previous] = steps[i - 1].split(">");
      assert.equal(from, previous, `job ${id} transitions out of order: ${steps.join(", ")}`);
    }
  }
}

/** Polls until `check` passes (returns true); fails with `describe()` after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  describe: () => string | Promise<string>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Instances the emulator launched for Gantry, terminated ones included. */
export function managedInstances(ec2: Ec2Emulator) {
  return ec2.instances().filter((i) => i.tags["gantry:managed"] === "true");
}

/**
 * Asserts each job has exactly one live instance: its `instance_id` in libSQL
 * is set, distinct from every other job's and running in the emulator; no
 * live Gantry instance serves no job; no `gantry:job` tag is on two
 * instances. (A launch may tag one job, or a whole batch, so both are read.)
 * Returns how many instances were launched and how many are no longer live.
 */
export async function assertExactlyOnce(
  ec2: Ec2Emulator,
  db: Client,
  jobIds: readonly string[],
): Promise<{ launched: number; terminated: number }> {
  const result = await db.execute("SELECT id, instance_id FROM jobs");
  const instanceOf = new Map(
    result.rows.map((r) => [String(r.id), r.instance_id as string | null]),
  );
  const lost = jobIds.filter((id) => !instanceOf.get(id));
  assert.deepEqual(lost, [], "jobs without an instance (lost)");
  const owners = new Map<string, string[]>();
  for (const id of jobIds) {
    const instance = instanceOf.get(id)!;
    owners.set(instance, [...owners.get(instance) ?? [], id]);
  }
  const shared = [...owners].filter(([, jobs]) => jobs.length > 1);
  assert.deepEqual(shared, [], "one instance recorded for two jobs");
  const managed = managedInstances(ec2);
  const live = managed.filter((i) => i.state === "pending" || i.state === "running");
  const liveIds = new Set(live.map((i) => i.instanceId));
  const notLive = jobIds.filter((id) => !liveIds.has(instanceOf.get(id)!));
  assert.deepEqual(notLive, [], "jobs whose instance is not running in EC2");
  const extra = live.filter((i) => !owners.has(i.instanceId)).map((i) => i.instanceId);
  assert.deepEqual(extra, [], "live instances serving no job (launched twice)");
  const twice = [...instancesPerJob(ec2)].filter(([, ids]) => ids.length > 1);
  assert.deepEqual(twice, [], "a gantry:job tag on two instances (launched twice)");
  return { launched: managed.length, terminated: managed.length - live.length };
}
