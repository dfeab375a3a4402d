/**
 * What every cross-process stack around a real core process shares: the
 * GitHub fake with the App installed on octocat/hello-world, a core key pair
 * the edge trusts, the edge in workerd on a given libSQL, the key files a
 * core's config points at, and that config's common sections.
 *
 * @module
 */
import { coreKeyPair, type Edge, startEdge } from "./edge.ts";
import { type GithubFake, startGithubFake } from "./github/fake.ts";

export const APP_ID = 4242;

export interface CoreWorld {
  github: GithubFake;
  edge: Edge;
  /** Holds `core.pem` and `github.pem`. */
  dir: string;
  /** Stops the edge and the GitHub fake. */
  close(): Promise<void>;
}

export async function startCoreWorld(options: {
  dir: string;
  libsql: { url: string; authToken?: string };
  webhookSecret: string;
  sessionSecret: string;
}): Promise<CoreWorld> {
  const github = await startGithubFake({
    appId: APP_ID,
    installations: [{ id: 1, account: "octocat", repos: ["hello-world"] }],
  });
  const keys = await coreKeyPair();
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: options.webhookSecret,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: options.sessionSecret,
    LIBSQL_URL: options.libsql.url,
    ...(options.libsql.authToken ? { LIBSQL_AUTH_TOKEN: options.libsql.authToken } : {}),
  });
  await Deno.writeTextFile(`${options.dir}/core.pem`, keys.privateKeyPem);
  await Deno.writeTextFile(`${options.dir}/github.pem`, github.privateKeyPem);
  return {
    github,
    edge,
    dir: options.dir,
    async close() {
      await edge.stop();
      await github.close();
    },
  };
}

/**
 * The `edge`, `aws` and `github` sections of a core's config in `world`,
 * against the EC2 emulator at `ec2Url`; callers add `database`, `projects`
 * and anything else.
 */
export function coreConfigOf(
  world: CoreWorld,
  options: { coreId: string; ec2Url: string; leaseWaitSeconds: number },
) {
  return {
    edge: {
      url: world.edge.url,
      core_id: options.coreId,
      private_key_file: `${world.dir}/core.pem`,
      lease_wait_seconds: options.leaseWaitSeconds,
    },
    aws: {
      region: "us-east-1",
      endpoint: options.ec2Url,
      access_key_id: "AKIDTEST",
      secret_access_key: "test",
    },
    github: {
      app_id: APP_ID,
      private_key_file: `${world.dir}/github.pem`,
      api_url: world.github.url,
    },
  };
}
