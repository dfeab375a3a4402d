/**
 * Plays each emulated instance by running the boot script the core rendered
 * for it, with bash (test/boot/local_instance.ts): the script fetches its JIT
 * config from the edge, reports its lifecycle, downloads and verifies the
 * runner release the core's config names (the local stack serves one) and
 * starts `run.sh` as the runner's user. That `run.sh` records the JIT config
 * it was given and keeps "working" until the workload says its job is done;
 * the workload then brings that runner online in the GitHub fake.
 *
 * The script talks to the edge through a recording proxy, so the workload
 * knows when an instance's spot notice has gone out before the machine dies.
 *
 * @module
 */
import { z } from "zod";
import type { EmulatedInstance } from "../../test/support/ec2/emulator.ts";
import { createIdentitySigner } from "../../test/support/imds/identity_signer.ts";
import { bootLocalInstance, type LocalInstance } from "../../test/boot/local_instance.ts";
import type { InstancePlayer } from "./instance_player.ts";
import { credentialsOf, registeredRunnerOf, userDataOf } from "./runner_agent.ts";

/** Commands the boot script needs on this machine. */
const BOOT_TOOLS = ["bash", "curl", "python3", "base64", "sha256sum", "tar", "mkfifo", "setsid"];

/** The boot script's tools missing here (none: instances can run it). */
export async function missingBootTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of BOOT_TOOLS) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!found.success) missing.push(tool);
  }
  return missing;
}

export interface ScriptPlayerOptions {
  /** The edge the scripts call (through the player's recording proxy). */
  edgeUrl: string;
  /** Longest a runner waits for a job before its `run.sh` gives up (default 1 h). */
  holdSeconds?: number;
  /** Seconds between the scripts' spot notice checks (default 5, as on EC2). */
  spotPollSeconds?: number;
}

/** A script player, and what its instances told the edge. */
export interface ScriptPlayer extends InstancePlayer {
  readonly kind: "script";
  /** Runner events the edge accepted from `instanceId`, in order. */
  eventsOf(instanceId: string): string[];
  /** Instances whose script was started so far. */
  scriptsStarted(): number;
  /** Names of the runners whose `run.sh` a script started, in order. */
  runnersStarted(): string[];
}

/** What the proxy reads of a runner event it passed on. */
const EventSeen = z.object({ instanceId: z.string(), kind: z.string() });

/** Longest wait for a reclaimed instance's spot notice to reach the edge. */
const SPOT_NOTICE_WAIT_MS = 10_000;
/**
 * Longest wait for a script to start its runner: the core's default boot
 * timeout. A slow boot on a busy machine is no failure; a stuck one is
 * reaped by the core by then, which ends the wait sooner.
 */
const RUNNER_START_WAIT_MS = 600_000;

export async function startScriptPlayer(options: ScriptPlayerOptions): Promise<ScriptPlayer> {
  const signer = await createIdentitySigner();
  const events = new Map<string, string[]>();
  const instances = new Map<string, Promise<LocalInstance>>();
  let started = 0;
  const runnerNames: string[] = [];
  const target = options.edgeUrl.replace(/\/$/, "");
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    let body: ArrayBuffer | undefined;
    let response: Response;
    try {
      body = request.method === "GET" ? undefined : await request.arrayBuffer();
      response = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body,
      });
    } catch (error) {
      // The instance died mid-request (the workload destroyed it), or the edge is restarting:
      // what a real instance would see as a dropped connection.
      return new Response(`gantry dev proxy: ${error}`, { status: 502 });
    }
    if (url.pathname === "/runner/v1/event" && response.ok && body) {
      // The edge accepted it, so it was JSON; only its two fields matter here.
      const event = EventSeen.safeParse(JSON.parse(new TextDecoder().decode(body)));
      if (event.success) {
        const { instanceId, kind } = event.data;
        events.set(instanceId, [...(events.get(instanceId) ?? []), kind]);
      }
    }
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      headers: response.headers,
    });
  });
  const proxyUrl = `http://127.0.0.1:${proxy.addr.port}`;
  const eventsOf = (instanceId: string) => events.get(instanceId) ?? [];

  /** Waits, at most `ms`, until `instanceId` has reported `kind`. */
  const reported = async (instanceId: string, kind: string, ms: number) => {
    const deadline = Date.now() + ms;
    while (!eventsOf(instanceId).includes(kind) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    kind: "script",
    eventsOf,
    scriptsStarted: () => started,
    runnersStarted: () => [...runnerNames],
    play(instance: EmulatedInstance) {
      const userData = userDataOf(instance);
      if (userData === null || credentialsOf(instance) === null) return null;
      const { instanceId } = instance;
      started++;
      const booting = bootLocalInstance({
        instanceId,
        userData,
        signer,
        pendingTime: new Date(instance.launchedAt),
        edgeUrl: proxyUrl,
        spotPollSeconds: options.spotPollSeconds ?? 5,
        holdSeconds: options.holdSeconds ?? 3_600,
      });
      instances.set(instanceId, booting);
      const runner = (async () => {
        const local = await booting;
        const jit = await local.runnerStarted(RUNNER_START_WAIT_MS);
        if (jit === null) {
          throw new Error(`its boot script started no runner:\n${local.output().slice(-1500)}`);
        }
        const registered = registeredRunnerOf(jit);
        runnerNames.push(registered.name);
        return registered;
      })();
      return {
        runner,
        finish: async () => await (await booting).releaseRunner(),
        async gone({ isReclaimed }) {
          instances.delete(instanceId);
          const local = await booting;
          try {
            if (isReclaimed) {
              // EC2's two-minute notice, compressed: the script's spot watch reports it, then
              // the machine dies.
              local.imds.noticeSpot({
                action: "terminate",
                time: new Date(Date.now() + 120_000).toISOString(),
              });
              await reported(instanceId, "spot-interruption-notice", SPOT_NOTICE_WAIT_MS);
            }
          } finally {
            await local.destroy();
            events.delete(instanceId);
          }
        },
      };
    },
    async stop() {
      const playing = [...instances.values()];
      instances.clear();
      await Promise.allSettled(playing.map(async (booting) => (await booting).destroy()));
      await proxy.shutdown();
    },
  };
}
