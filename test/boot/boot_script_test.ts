/**
 * The rendered boot script itself, run with bash against the edge in workerd:
 * a loopback IMDS (IMDSv2, signed identity document), a local runner release
 * whose run.sh records how it was started, root-only commands stubbed.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { openDatabase } from "../../core/db/database.ts";
import { migrate } from "../../core/db/migrate.ts";
import { seedProjects } from "../../core/db/seed.ts";
import { Store } from "../../core/db/store.ts";
import { EdgeClient } from "../../core/edge_client/edge_client.ts";
import { DEFAULT_RUNNER_RELEASE } from "../../core/runner/runner_install.ts";
import { renderUserData, type UserDataInput } from "../../core/runner/user_data.ts";
import { poolSpecOf } from "../../core/scheduler/pool_spec.ts";
import { launchRequestOf } from "../../core/scheduler/runner_launch.ts";
import { CoreConfig } from "../../shared/schema/config.ts";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { leaseAll } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { createIdentitySigner } from "../support/imds/identity_signer.ts";
import { startImds } from "../support/imds/imds_server.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import {
  bootHost,
  countingProxy,
  runBoot,
  serveRelease,
  userDataOnHost,
  writeFakeRunner,
} from "./boot_host.ts";

const VERSION = DEFAULT_RUNNER_RELEASE.version;
const JIT = (jobId: string) => btoa(`{"jit":"for job ${jobId}"}`);

Deno.test("the boot script in bash against the edge in workerd", async (t) => {
  const keys = await coreKeyPair();
  const signer = await createIdentitySigner();
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  await migrate(client);
  const edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "unused",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "unused-session-secret-0123456789abcdef",
    LIBSQL_URL: libsql.url,
    INSTANCE_IDENTITY_CERTIFICATES: JSON.stringify({ "us-east-1": signer.certificatePem }),
  });
  const proxy = countingProxy(edge.url);
  const core = new EdgeClient({
    url: edge.url,
    coreId: "core-test",
    privateKeyPem: keys.privateKeyPem,
  });
  const host = await bootHost();
  const release = await serveRelease(host.dir, VERSION);
  const launchedAt = Date.now();

  /** Deposits a config for one instance of batch `batchId` and renders that batch's script. */
  async function launch(
    options: { batchId: string; instanceId: string; jobId: string; imdsUrl: string },
    overrides: Partial<UserDataInput> = {},
  ) {
    await core.deposit([{
      batchId: options.batchId,
      instanceId: options.instanceId,
      jobId: options.jobId,
      runnerName: `gantry-${options.jobId}-1`,
      encodedJitConfig: JIT(options.jobId),
      expiresAt: launchedAt + 600_000,
    }]);
    return renderUserData({
      edgeUrl: proxy.url,
      batchToken: await core.batchToken({
        batchId: options.batchId,
        issuedAt: launchedAt,
        ttlSeconds: 600,
      }),
      configWaitSeconds: 10,
      runner: {
        kind: "download",
        release: {
          version: VERSION,
          archiveBaseUrl: release.url,
          sha256: { x64: release.sha256, arm64: release.sha256 },
        },
      },
      imdsUrl: options.imdsUrl,
      paths: { runnerHome: host.runnerHome, log: host.log },
      spotPollSeconds: 1,
      ...overrides,
    });
  }
  const runnerEvents = async () =>
    (await leaseAll(edge.url, keys.privateKeyPem))
      .map((event: LeasedEvent) => event.message)
      .flatMap((message) => message.type === "runner_event" ? [message] : []);
  const instanceImds = (instanceId: string, signature?: string) =>
    startImds({
      signer,
      identity: { instanceId, pendingTime: new Date(launchedAt + 5_000) },
      ...(signature ? { signature } : {}),
    });

  try {
    await t.step(
      "boots: one config fetch, lifecycle reported, JIT config through a 0600 file, not argv",
      async () => {
        const instanceId = "i-0b00700000000001";
        const imds = await instanceImds(instanceId);
        const script = await launch({
          batchId: "gboot-a",
          instanceId,
          jobId: "801",
          imdsUrl: imds.url,
        });
        const { code, output } = await runBoot(host, script);
        await imds.stop();
        assert.equal(code, 0, output);
        assert.deepEqual(
          proxy.requests.filter((r) => r.includes("/runner/v1/config")),
          ["POST /runner/v1/config"],
          "the config is fetched exactly once",
        );
        const events = await runnerEvents();
        assert.deepEqual(events.map((e) => e.kind), [
          "booted",
          "runner-started",
          "runner-finished",
        ]);
        assert.ok(events.every((e) => e.jobId === "801" && e.instanceId === instanceId));
        assert.equal(release.downloads(), 1);
        const runner = await host.runner();
        assert.deepEqual(runner, [
          "args=",
          `jit=${JIT("801")}`,
          `cwd=${host.runnerHome}/actions-runner`,
        ]);
        const calls = await host.calls();
        assert.ok(calls.includes("jitfile-mode 600"), calls.join("\n"));
        assert.ok(
          calls.some((c) => c.startsWith("sudo -u runner -H -- bash -c")),
          "run.sh starts as the runner user",
        );
        assert.ok(
          calls.includes(
            `chown -R runner: ${host.runnerHome}/actions-runner ${host.runnerHome}/.gantry-jitconfig`,
          ),
          calls.join("\n"),
        );
        assert.ok(!calls.some((c) => c.includes(JIT("801"))), "the JIT config is in no argv");
        assert.deepEqual(calls.filter((c) => /^(sha256sum|tar) /.test(c)), [
          "sha256sum -c --status",
          `tar xzf ${host.runnerHome}/actions-runner-linux-x64-${VERSION}.tar.gz -C ${host.runnerHome}/actions-runner`,
        ]);
        assert.equal(calls.filter((c) => c.startsWith("shutdown")).length, 1);
        await assert.rejects(
          Deno.stat(`${host.runnerHome}/.gantry-jitconfig`),
          Deno.errors.NotFound,
        );
        assert.ok(imds.reads.includes("/latest/dynamic/instance-identity/signature"));
      },
    );

    await t.step("a refused config reports bootstrap-failed with the log tail", async () => {
      // The same instance boots again: its config was already fetched (410).
      const instanceId = "i-0b00700000000001";
      await Deno.remove(`${host.dir}/record`, { recursive: true });
      await Deno.mkdir(`${host.dir}/record`);
      const imds = await instanceImds(instanceId);
      const script = renderUserData({
        edgeUrl: proxy.url,
        batchToken: await core.batchToken({
          batchId: "gboot-a",
          issuedAt: launchedAt,
          ttlSeconds: 600,
        }),
        configWaitSeconds: 10,
        imdsUrl: imds.url,
        paths: { runnerHome: host.runnerHome, log: host.log },
      });
      const { code, output } = await runBoot(host, script);
      await imds.stop();
      assert.equal(code, 1, output);
      const events = await runnerEvents();
      assert.deepEqual(events.map((e) => e.kind), ["bootstrap-failed"]);
      assert.match(
        events[0].log?.split("\n").at(-1) ?? "",
        /^gantry: bootstrap failed: the edge refused this instance's runner config \(HTTP 410/,
      );
      assert.equal(await host.runner(), null, "no runner started");
      assert.deepEqual((await host.calls()).filter((c) => c.startsWith("shutdown")), [
        "shutdown -h now",
      ]);
    });

    await t.step("an archive whose SHA-256 differs is never unpacked", async () => {
      await Deno.remove(`${host.dir}/record`, { recursive: true });
      await Deno.mkdir(`${host.dir}/record`);
      await Deno.remove(host.runnerHome, { recursive: true });
      const instanceId = "i-0b00700000000002";
      const imds = await instanceImds(instanceId);
      const script = await launch(
        { batchId: "gboot-b", instanceId, jobId: "802", imdsUrl: imds.url },
        {
          runner: {
            kind: "download",
            release: {
              version: VERSION,
              archiveBaseUrl: release.url,
              sha256: { x64: "0".repeat(64), arm64: "0".repeat(64) },
            },
          },
        },
      );
      const { code, output } = await runBoot(host, script);
      await imds.stop();
      assert.equal(code, 1, output);
      const events = await runnerEvents();
      assert.deepEqual(events.map((e) => e.kind), ["booted", "bootstrap-failed"]);
      // The reason is the report's last line, whatever tee has written to the log by then.
      assert.equal(
        events[1].log?.split("\n").at(-1),
        `gantry: bootstrap failed: the runner archive's SHA-256 is not ${"0".repeat(64)}; ` +
          "not unpacking it",
      );
      assert.equal(await host.runner(), null);
      await assert.rejects(
        Deno.stat(`${host.runnerHome}/actions-runner/run.sh`),
        Deno.errors.NotFound,
      );
    });

    await t.step(
      "a runner pre-installed in the AMI is used and nothing is downloaded",
      async () => {
        await Deno.remove(`${host.dir}/record`, { recursive: true });
        await Deno.mkdir(`${host.dir}/record`);
        const preinstalled = `${host.dir}/opt/actions-runner`;
        await writeFakeRunner(preinstalled);
        const before = release.downloads();
        const instanceId = "i-0b00700000000003";
        const imds = await instanceImds(instanceId);
        const script = await launch(
          { batchId: "gboot-c", instanceId, jobId: "803", imdsUrl: imds.url },
          { runner: { kind: "preinstalled", path: preinstalled } },
        );
        const { code, output } = await runBoot(host, script);
        await imds.stop();
        assert.equal(code, 0, output);
        assert.equal(release.downloads(), before);
        assert.deepEqual(await host.runner(), [
          "args=",
          `jit=${JIT("803")}`,
          `cwd=${preinstalled}`,
        ]);
        assert.deepEqual((await runnerEvents()).map((e) => e.kind), [
          "booted",
          "runner-started",
          "runner-finished",
        ]);
      },
    );

    await t.step(
      "a pool's runner_path reaches the core's launch: the script downloads and verifies nothing",
      async () => {
        await Deno.remove(`${host.dir}/record`, { recursive: true });
        await Deno.mkdir(`${host.dir}/record`);
        await Deno.remove(host.runnerHome, { recursive: true });
        const preinstalled = `${host.dir}/ami/actions-runner`;
        await writeFakeRunner(preinstalled);
        // The pool as an operator declares it, seeded and read back as the core does.
        const { db } = await openDatabase(libsql.url);
        await seedProjects(
          db,
          CoreConfig.shape.projects.parse([{
            name: "baked",
            repos: [{ full_name: "octocat/baked" }],
            pools: [{
              name: "ami-runner",
              default: true,
              ami: "ami-0123456789abcdef0",
              runner_path: `${preinstalled}/`,
              instance_types: ["m7i.large"],
              subnets: ["subnet-1"],
            }],
          }]),
          launchedAt,
        );
        const binding = await new Store(client, db).bindingOf("octocat/baked");
        assert.ok(binding);
        const [pool] = binding.pools;
        assert.equal(pool.runnerPath, preinstalled);
        const before = release.downloads();
        const instanceId = "i-0b00700000000006";
        await core.deposit([{
          batchId: "gboot-f",
          instanceId,
          jobId: "806",
          runnerName: "gantry-806-1",
          encodedJitConfig: JIT("806"),
          expiresAt: launchedAt + 600_000,
        }]);
        const request = await launchRequestOf({
          binding,
          pool,
          spec: poolSpecOf(binding.project, pool, { spot: true }),
          repo: "octocat/baked",
          clientToken: "gboot-f",
          issuedAt: launchedAt,
          count: 1,
          placements: [{ size: "m7i.large", slot: "subnet-1", priority: 0 }],
          jobId: "806",
        }, {
          vault: core,
          runners: {
            edgeUrl: proxy.url,
            bootTimeoutSeconds: 600,
            // A release the script would download and verify, were the runner not in the AMI.
            release: {
              version: VERSION,
              archiveBaseUrl: release.url,
              sha256: { x64: release.sha256, arm64: release.sha256 },
            },
          },
        });
        assert.ok(request.userData.includes(`RUNNER_PREINSTALLED='${preinstalled}'`));
        const imds = await instanceImds(instanceId);
        const { code, output } = await runBoot(
          host,
          userDataOnHost(request.userData, {
            imdsUrl: imds.url,
            runnerHome: host.runnerHome,
            log: host.log,
            spotPollSeconds: 1,
          }),
        );
        await imds.stop();
        assert.equal(code, 0, output);
        assert.equal(release.downloads(), before, "nothing downloaded");
        const calls = await host.calls();
        assert.deepEqual(
          calls.filter((c) => /^(sha256sum|tar) /.test(c)),
          [],
          "no archive verified or unpacked",
        );
        assert.deepEqual(await host.runner(), [
          "args=",
          `jit=${JIT("806")}`,
          `cwd=${preinstalled}`,
        ]);
        assert.ok(
          calls.includes(`chown -R runner: ${preinstalled} ${host.runnerHome}/.gantry-jitconfig`),
          calls.join("\n"),
        );
        await assert.rejects(Deno.stat(`${host.runnerHome}/actions-runner`), Deno.errors.NotFound);
        assert.deepEqual((await runnerEvents()).map((e) => e.kind), [
          "booted",
          "runner-started",
          "runner-finished",
        ]);
      },
    );

    await t.step("a spot interruption notice is reported while the runner works", async () => {
      await Deno.remove(`${host.dir}/record`, { recursive: true });
      await Deno.mkdir(`${host.dir}/record`);
      await Deno.writeTextFile(`${host.dir}/record/hold`, "");
      const instanceId = "i-0b00700000000005";
      const imds = await instanceImds(instanceId);
      const script = await launch(
        { batchId: "gboot-e", instanceId, jobId: "805", imdsUrl: imds.url },
        { runner: { kind: "preinstalled", path: `${host.dir}/opt/actions-runner` } },
      );
      const boot = runBoot(host, script);
      const seen: string[] = [];
      const waitFor = async (kind: string) => {
        for (let i = 0; i < 200 && !seen.includes(kind); i++) {
          seen.push(...(await runnerEvents()).map((e) => e.kind));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      // EC2 posts the notice while the runner works: only then does IMDS serve it.
      await waitFor("runner-started");
      imds.noticeSpot({ action: "terminate", time: "2026-12-04T12:02:00Z" });
      await waitFor("spot-interruption-notice");
      await Deno.writeTextFile(`${host.dir}/record/release`, "");
      const { code, output } = await boot;
      await imds.stop();
      assert.equal(code, 0, output);
      seen.push(...(await runnerEvents()).map((e) => e.kind));
      assert.deepEqual(seen, [
        "booted",
        "runner-started",
        "spot-interruption-notice",
        "runner-finished",
      ]);
    });

    await t.step("a forged identity gets nothing, and the refusal is audited", async () => {
      await Deno.remove(`${host.dir}/record`, { recursive: true });
      await Deno.mkdir(`${host.dir}/record`);
      const instanceId = "i-0b00700000000004";
      const other = await createIdentitySigner();
      const forged = await other.sign(signer.document({
        instanceId,
        pendingTime: new Date(launchedAt + 5_000),
      }));
      const imds = await instanceImds(instanceId, forged);
      const script = await launch({
        batchId: "gboot-d",
        instanceId,
        jobId: "804",
        imdsUrl: imds.url,
      });
      const { code, output } = await runBoot(host, script);
      await imds.stop();
      assert.equal(code, 1, output);
      assert.match(output, /refused this instance's runner config \(HTTP 401/);
      assert.equal(await host.runner(), null);
      assert.deepEqual(await runnerEvents(), [], "its bootstrap-failed report is refused too");
      const audited = await client.execute(
        "SELECT actor, outcome, json_extract(payload, '$.reason') AS reason, " +
          "json_extract(payload, '$.route') AS route FROM audit_events " +
          "WHERE action = 'runner.identity' AND target = ? ORDER BY id",
        [instanceId],
      );
      assert.deepEqual(
        audited.rows.map((row) => [row.actor, row.outcome, row.reason, row.route]),
        [
          [`instance:${instanceId}`, "failed", "bad_signature", "config"],
          [`instance:${instanceId}`, "failed", "bad_signature", "event"],
        ],
      );
    });
  } finally {
    await proxy.stop();
    await release.stop();
    await edge.stop();
    client.close();
    await libsql.close();
    await host.cleanup();
  }
});
