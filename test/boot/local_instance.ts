/**
 * An emulated EC2 instance that runs its user data for real: the boot script
 * the core rendered, moved onto this host ({@link userDataOnHost}), run with
 * bash in a scratch "instance" ({@link bootHost}: stubbed root-only commands,
 * a recording runner) against its own loopback IMDS (instance id, signed
 * identity document, spot notice). The dev simulator plays every instance
 * this way; tests use it to watch one boot.
 */
import type { IdentitySigner } from "../support/imds/identity_signer.ts";
import { type Imds, startImds } from "../support/imds/imds_server.ts";
import { type ChildProcess, spawn } from "../support/process.ts";
import { type BootHost, bootHost, userDataOnHost } from "./boot_host.ts";

export interface LocalInstanceOptions {
  instanceId: string;
  /** The boot script as the core rendered it for EC2. */
  userData: string;
  /** Signs the identity document IMDS serves (AWS's key on a real instance). */
  signer: IdentitySigner;
  /** When the instance entered `pending`, as its identity document says. */
  pendingTime: Date;
  /** Replaces the script's edge URL (a proxy in front of the same edge). */
  edgeUrl?: string;
  spotPollSeconds?: number;
  /**
   * The runner keeps working until {@link LocalInstance.releaseRunner}, at
   * most this long; unset, it exits as soon as it has started.
   */
  holdSeconds?: number;
}

export interface LocalInstance {
  readonly instanceId: string;
  readonly host: BootHost;
  readonly imds: Imds;
  /** The script's exit status, once it ended. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** What the script printed so far. */
  output(): string;
  /**
   * The JIT config `run.sh` was started with, once it started; null if the
   * script ended first or `timeoutMs` passed.
   */
  runnerStarted(timeoutMs: number): Promise<string | null>;
  /** The runner's work is done: it exits, and the script goes on to report and power off. */
  releaseRunner(): Promise<void>;
  /** The machine is gone: ends the script and all it started, and removes its files. */
  destroy(): Promise<void>;
}

const POLL_MS = 100;

/** Starts the instance's IMDS and runs its boot script with bash. */
export async function bootLocalInstance(options: LocalInstanceOptions): Promise<LocalInstance> {
  const host = await bootHost();
  const imds = await startImds({
    signer: options.signer,
    identity: { instanceId: options.instanceId, pendingTime: options.pendingTime },
  });
  const script = `${host.dir}/user-data.sh`;
  let child: ChildProcess;
  try {
    await Deno.writeTextFile(
      script,
      userDataOnHost(options.userData, {
        imdsUrl: imds.url,
        runnerHome: host.runnerHome,
        log: host.log,
        edgeUrl: options.edgeUrl,
        spotPollSeconds: options.spotPollSeconds,
      }),
    );
    const record = host.env.BOOT_RECORD;
    if (options.holdSeconds !== undefined) await Deno.writeTextFile(`${record}/hold`, "");
    child = spawn("bash", [script], {
      env: { ...host.env, BOOT_HOLD_SECONDS: String(options.holdSeconds ?? 0) },
    });
  } catch (error) {
    await imds.stop();
    await host.cleanup();
    throw error;
  }
  let hasExited = false;
  const exited = child.status.then((status) => {
    hasExited = true;
    return status;
  });
  let isDestroyed = false;
  return {
    instanceId: options.instanceId,
    host,
    imds,
    exited,
    output: () => child.output(),
    async runnerStarted(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = await host.runner();
        // `cwd=` is run.sh's last line: the record is whole.
        if (lines?.some((line) => line.startsWith("cwd="))) {
          return lines.find((line) => line.startsWith("jit="))?.slice("jit=".length) ?? null;
        }
        if (hasExited || isDestroyed || Date.now() > deadline) return null;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async releaseRunner() {
      if (isDestroyed) return; // Its machine is gone, and the runner with it.
      await Deno.writeTextFile(`${host.env.BOOT_RECORD}/release`, "");
    },
    async destroy() {
      if (isDestroyed) return;
      isDestroyed = true;
      await child.stop(1_000);
      await imds.stop();
      await host.cleanup();
    },
  };
}
