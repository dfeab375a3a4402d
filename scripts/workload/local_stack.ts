/**
 * The whole system on loopback, as real processes: libSQL over HTTP, the EC2
 * emulator and the GitHub fake (simulated AWS and GitHub), the edge in
 * workerd (told it runs against simulations), a runner release on loopback
 * (a recording `run.sh`, test/boot/boot_host.ts) that instances' boot scripts
 * download and verify, and the core process with a config written for them. `dev` runs it for people; the launch-latency
 * benchmark runs it to measure.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { DEFAULT_RUNNER_RELEASE } from "../../core/runner/runner_install.ts";
import { type ReleaseServer, serveRelease } from "../../test/boot/boot_host.ts";
import { coreKeyPair, type Edge, startEdge } from "../../test/support/edge.ts";
import { type Ec2Emulator, LAGGING, startEc2Emulator } from "../../test/support/ec2/emulator.ts";
import { type GithubFake, startGithubFake } from "../../test/support/github/fake.ts";
import { type LibsqlServer, startLibsqlServer } from "../../test/support/libsql/server.ts";
import { type ChildProcess, spawn } from "../../test/support/process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The project the stack's core serves, and its repositories. */
export const PROJECT = "my-app";
/** The installation id the GitHub fake and the webhooks share. */
export const INSTALLATION_ID = 1;

/** A pool of the stack's one project, as in gantry.yaml. */
export interface StackPool {
  name: string;
  instance_types: string[];
  default?: boolean;
  priority?: number;
  spot?: boolean;
}

/** How to start the stack. */
export interface LocalStackOptions {
  /** Where the database, edge state, keys and core config live. */
  stateDir: string;
  /** Repositories (`owner/name`, one owner) bound to the project. */
  repos: readonly string[];
  pools: readonly StackPool[];
  webhookSecret: string;
  sessionSecret: string;
  /** Enables the console's first-admin bootstrap. */
  bootstrapToken?: string;
  /** Edge port (default: a free one). */
  edgePort?: number;
  /** Extra `github:` keys of the core config. */
  github?: Record<string, unknown>;
  /** Extra `scheduler:` keys of the core config. */
  scheduler?: Record<string, unknown>;
}

/** The running stack. */
export interface LocalStack {
  libsql: LibsqlServer;
  ec2: Ec2Emulator;
  github: GithubFake;
  edge: Edge;
  /** The actions runner release the core's boot scripts download. */
  release: ReleaseServer;
  core: ChildProcess;
  /** Stops the core, the edge, then the in-process servers. */
  stop(): Promise<void>;
}

/** Starts every part and waits until the core says it started. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const state = options.stateDir;
  await Deno.mkdir(state, { recursive: true });
  const owner = options.repos[0].split("/")[0];
  const libsql = await startLibsqlServer({ path: `${state}/gantry.db` });
  // Eventually consistent, as real EC2 is: new ids NotFound for a moment, stale states.
  const ec2 = await startEc2Emulator({ consistency: LAGGING });
  const github = await startGithubFake({
    appId: 1,
    installations: [{
      id: INSTALLATION_ID,
      account: owner,
      repos: options.repos.map((repo) => repo.split("/")[1]),
    }],
  });
  const keys = await coreKeyPair("core-local");
  const version = DEFAULT_RUNNER_RELEASE.version;
  await Deno.mkdir(`${state}/release`, { recursive: true });
  const release = await serveRelease(`${state}/release`, version);
  let edge: Edge;
  try {
    edge = await startEdge({
      GITHUB_WEBHOOK_SECRET: options.webhookSecret,
      CORE_PUBLIC_KEYS: keys.jwks,
      SESSION_SECRET: options.sessionSecret,
      LIBSQL_URL: libsql.url,
      BOOTSTRAP_TOKEN: options.bootstrapToken,
      SIMULATED: "true",
    }, { port: options.edgePort, stateDir: `${state}/edge` });
  } catch (error) {
    await Promise.all([ec2.close(), github.close(), libsql.close(), release.stop()]);
    throw error;
  }

  await Deno.writeTextFile(`${state}/core.pem`, keys.privateKeyPem);
  await Deno.writeTextFile(`${state}/github.pem`, github.privateKeyPem);
  await Deno.writeTextFile(
    `${state}/gantry.yaml`,
    toYaml({
      edge: { url: edge.url, core_id: "core-local", private_key_file: `${state}/core.pem` },
      database: { url: libsql.url, buffer_path: `${state}/core-buffer.db` },
      aws: {
        region: "us-east-1",
        endpoint: ec2.url,
        access_key_id: "AKIDSIMULATED",
        secret_access_key: "simulated",
      },
      github: {
        app_id: 1,
        private_key_file: `${state}/github.pem`,
        api_url: github.url,
        ...options.github,
      },
      // info: the start-up line is what tells the stack the core is ready.
      log: { level: "info", format: "text" },
      runner_release: {
        version,
        archive_base_url: release.url,
        sha256_x64: release.sha256,
        sha256_arm64: release.sha256,
      },
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      projects: [{
        name: PROJECT,
        tags: { team: "platform" },
        repos: options.repos.map((full_name) => ({ full_name })),
        pools: options.pools.map((pool) => ({
          ...pool,
          ami: "ami-0123456789abcdef0",
          subnets: ["subnet-a0001", "subnet-b0002"],
          // The emulator accepts any well-formed id (sg-<hex>).
          security_groups: ["sg-0de7"],
        })),
      }],
    }),
  );
  const core = spawn(Deno.execPath(), [
    "run",
    "-A",
    "core/main.ts",
    "--config",
    `${state}/gantry.yaml`,
  ], { cwd: ROOT });
  const stop = async () => {
    await core.stop();
    await edge.stop();
    await Promise.all([ec2.close(), github.close(), libsql.close(), release.stop()]);
  };
  try {
    await core.waitForOutput(/gantry-core started/, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { libsql, ec2, github, edge, release, core, stop };
}
