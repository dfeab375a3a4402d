/**
 * The whole system as separate parts for drills, crash tests and the burst
 * bench: libSQL server, EC2 emulator, GitHub fake, the edge in workerd, and
 * the real core as a child process (`deno run core/main.ts`, or a bundle of
 * it), restartable.
 */
import { stringify as toYaml } from "yaml";
import { openDatabase } from "../../core/db/database.ts";
import { type Ec2Emulator, type Ec2EmulatorOptions, startEc2Emulator } from "./ec2/emulator.ts";
import { coreConfigOf, startCoreWorld } from "./core_world.ts";
import type { Edge } from "./edge.ts";
import type { GithubFake } from "./github/fake.ts";
import { type LibsqlServer, startLibsqlServer } from "./libsql/server.ts";
import { type ChildProcess, spawn } from "./process.ts";
import { postWebhook, workflowJobPayload } from "./webhooks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WEBHOOK_SECRET = "stack-webhook-secret";
export const REPO = "octocat/hello-world";

export interface CoreProcessStack {
  libsql: LibsqlServer;
  ec2: Ec2Emulator;
  github: GithubFake;
  edge: Edge;
  /** The secret the edge checks webhooks' signatures with. */
  webhookSecret: string;
  /** Starts (or restarts) the core; resolves once it is leasing. */
  startCore(): Promise<ChildProcess>;
  core(): ChildProcess | undefined;
  /** Sends signed `queued` webhooks for these job ids, `concurrency` at a time. */
  queue(ids: readonly number[], labels: string[], concurrency?: number): Promise<void>;
  /** Job id → state, from libSQL. */
  states(): Promise<Map<string, { state: string; instanceId: string | null }>>;
  close(): Promise<void>;
}

export async function startCoreProcessStack(options: {
  pools: Record<string, unknown>[];
  scheduler?: Record<string, unknown>;
  aws?: Record<string, unknown>;
  edge?: Record<string, unknown>;
  logLevel?: string;
  /** The EC2 emulator's options (the start bench's timing model). */
  emulator?: Ec2EmulatorOptions;
  /** What `deno run` runs: core/main.ts unless given (a bundle, dist/gantry-core.js). */
  coreEntry?: string;
  /** `deno run` options before the entry, such as `--v8-flags=…`. */
  denoFlags?: string[];
}): Promise<CoreProcessStack> {
  const libsql = await startLibsqlServer({});
  const ec2 = await startEc2Emulator(options.emulator);
  const dir = await Deno.makeTempDir({ prefix: "gantry-stack-" });
  const world = await startCoreWorld({
    dir,
    libsql,
    webhookSecret: WEBHOOK_SECRET,
    sessionSecret: "stack-session-secret-0123456789abcdef",
  });
  const { github, edge } = world;
  const common = coreConfigOf(world, {
    coreId: "core-stack",
    ec2Url: ec2.url,
    leaseWaitSeconds: 1,
  });
  const configPath = `${dir}/gantry.yaml`;
  await Deno.writeTextFile(
    configPath,
    toYaml({
      edge: { ...common.edge, ...options.edge },
      database: { url: libsql.url, buffer_path: `${dir}/buffer.db` },
      aws: { ...common.aws, ...options.aws },
      github: { ...common.github, writes_per_second: 500 },
      scheduler: options.scheduler ?? {},
      log: { level: options.logLevel ?? "info", format: "json" },
      projects: [{ name: "my-app", repos: [{ full_name: REPO }], pools: options.pools }],
    }),
  );
  const { client } = await openDatabase(libsql.url);
  let core: ChildProcess | undefined;
  return {
    libsql,
    ec2,
    github,
    edge,
    webhookSecret: WEBHOOK_SECRET,
    async startCore() {
      const entry = options.coreEntry ?? "core/main.ts";
      const flags = options.denoFlags ?? [];
      core = spawn(Deno.execPath(), ["run", "-A", ...flags, entry, "--config", configPath], {
        cwd: ROOT,
      });
      await core.waitForOutput(/gantry-core started/, 60_000);
      return core;
    },
    core: () => core,
    async queue(ids, labels, concurrency = 16) {
      const pending = [...ids];
      const worker = async () => {
        for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
          const payload = await workflowJobPayload({
            action: "queued",
            jobId: id,
            repo: REPO,
            labels,
          });
          for (let attempt = 0;; attempt++) {
            const response = await postWebhook(edge.url, payload, { secret: WEBHOOK_SECRET });
            await response.body?.cancel();
            if (response.status < 300) break;
            if (attempt > 5) throw new Error(`webhook for job ${id}: HTTP ${response.status}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
    async states() {
      const result = await client.execute("SELECT id, state, instance_id FROM jobs");
      return new Map(result.rows.map((row) => [
        String(row.id),
        {
          state: String(row.state),
          instanceId: row.instance_id === null ? null : String(row.instance_id),
        },
      ]));
    },
    async close() {
      await core?.stop();
      client.close();
      await world.close();
      await Promise.all([ec2.close(), libsql.close()]);
    },
  };
}
