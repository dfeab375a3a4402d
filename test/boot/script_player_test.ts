/**
 * The dev simulator's instances run the core's boot script with bash
 * (scripts/workload/script_player.ts), against the edge in workerd: the
 * runner comes online with the JIT config the script fetched and handed to
 * `run.sh`, the release is downloaded and verified, and the lifecycle and a
 * spot notice reach the edge from the script itself.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { migrate } from "../../core/db/migrate.ts";
import { EdgeClient } from "../../core/edge_client/edge_client.ts";
import { DEFAULT_RUNNER_RELEASE } from "../../core/runner/runner_install.ts";
import { renderUserData } from "../../core/runner/user_data.ts";
import { startScriptPlayer } from "../../scripts/workload/script_player.ts";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { leaseAll } from "../support/core_token.ts";
import type { EmulatedInstance } from "../support/ec2/emulator.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { RunnerRegistry } from "../support/github/runners.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { serveRelease } from "./boot_host.ts";

const VERSION = DEFAULT_RUNNER_RELEASE.version;
const LABELS = ["self-hosted", "my-app", "small"];

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

function instanceOf(instanceId: string, userData: string): EmulatedInstance {
  return {
    instanceId,
    reservationId: "r-0123456789abcdef0",
    privateIpAddress: "10.0.0.4",
    launchedAt: Date.now(),
    state: "running",
    imageId: "ami-0123456789abcdef0",
    instanceType: "t3.small",
    availabilityZone: "us-east-1a",
    lifecycle: "spot",
    tags: {},
    securityGroupIds: [],
    userData: base64(userData),
  };
}

/** Polls `check` every 100 ms for at most `ms`; returns its last answer. */
async function within<T>(ms: number, check: () => T | Promise<T>, isDone: (value: T) => boolean) {
  const deadline = Date.now() + ms;
  let value = await check();
  while (!isDone(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await check();
  }
  return value;
}

Deno.test("the dev simulator's instances run the boot script with bash", async (t) => {
  const keys = await coreKeyPair();
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  await migrate(client);
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: libsql.url,
  });
  const core = new EdgeClient({
    url: edge.url,
    coreId: "core-test",
    privateKeyPem: keys.privateKeyPem,
  });
  const dir = await Deno.makeTempDir({ prefix: "gantry-script-player-" });
  const release = await serveRelease(dir, VERSION);
  const player = await startScriptPlayer({
    edgeUrl: edge.url,
    holdSeconds: 60,
    spotPollSeconds: 1,
  });
  const github = new RunnerRegistry();
  const issuedAt = Date.now();
  const runnerEvents = async () =>
    (await leaseAll(edge.url, keys.privateKeyPem))
      .map((event: LeasedEvent) => event.message)
      .flatMap((message) =>
        message.type === "runner_event" ? [`${message.instanceId} ${message.kind}`] : []
      );

  /** An instance launched by the core for job `jobId`: its config deposited, its script rendered. */
  async function launched(instanceId: string, jobId: string) {
    const registered = github.register({ owner: "octocat", repo: "hello-world" }, {
      name: `gantry-${jobId}-1`,
      runner_group_id: 1,
      labels: LABELS,
    });
    assert.ok(registered);
    await core.deposit([{
      batchId: `gplay-${jobId}`,
      instanceId,
      jobId,
      runnerName: `gantry-${jobId}-1`,
      encodedJitConfig: registered.encodedJitConfig,
      expiresAt: issuedAt + 600_000,
    }]);
    const userData = renderUserData({
      edgeUrl: edge.url,
      batchToken: await core.batchToken({ batchId: `gplay-${jobId}`, issuedAt, ttlSeconds: 600 }),
      configWaitSeconds: 10,
      runner: {
        kind: "download",
        release: {
          version: VERSION,
          archiveBaseUrl: release.url,
          sha256: { x64: release.sha256, arm64: release.sha256 },
        },
      },
    });
    return { instance: instanceOf(instanceId, userData), runnerId: registered.runner.id };
  }

  try {
    await t.step(
      "a runner comes online from the script's run.sh, and finishes through it",
      async () => {
        const { instance, runnerId } = await launched("i-0d1a000000000001", "901");
        const played = player.play(instance);
        assert.ok(played);
        const runner = await played.runner;
        assert.deepEqual(runner, {
          id: runnerId,
          name: "gantry-901-1",
          repo: "octocat/hello-world",
          labels: LABELS,
        });
        assert.equal(player.scriptsStarted(), 1);
        assert.deepEqual(player.runnersStarted(), ["gantry-901-1"]);
        assert.equal(release.downloads(), 1, "the script downloaded the runner release");
        assert.deepEqual(player.eventsOf(instance.instanceId), ["booted", "runner-started"]);
        await played.finish();
        const events = await within(
          10_000,
          () => player.eventsOf(instance.instanceId),
          (kinds) => kinds.includes("runner-finished"),
        );
        assert.deepEqual(events, ["booted", "runner-started", "runner-finished"]);
        assert.deepEqual(await runnerEvents(), [
          "i-0d1a000000000001 booted",
          "i-0d1a000000000001 runner-started",
          "i-0d1a000000000001 runner-finished",
        ]);
        await played.gone({ isReclaimed: false });
        assert.deepEqual(player.eventsOf(instance.instanceId), [], "forgotten once gone");
      },
    );

    await t.step(
      "a reclaimed spot instance's script reports the notice before it dies",
      async () => {
        const { instance } = await launched("i-0d1a000000000002", "902");
        const played = player.play(instance);
        assert.ok(played);
        assert.equal((await played.runner).name, "gantry-902-1");
        await played.gone({ isReclaimed: true });
        assert.deepEqual(await runnerEvents(), [
          "i-0d1a000000000002 booted",
          "i-0d1a000000000002 runner-started",
          "i-0d1a000000000002 spot-interruption-notice",
        ]);
        assert.equal(player.scriptsStarted(), 2);
      },
    );

    await t.step("an instance whose user data is not a Gantry runner's is not played", () => {
      assert.equal(player.play(instanceOf("i-0d1a000000000003", "#!/bin/bash\necho hi\n")), null);
      assert.equal(player.scriptsStarted(), 2);
    });
  } finally {
    await player.stop();
    await release.stop();
    await edge.stop();
    client.close();
    await libsql.close();
    await Deno.remove(dir, { recursive: true });
  }
});
