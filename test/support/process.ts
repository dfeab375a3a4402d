/**
 * Child processes for cross-process tests: output captured (shown when a
 * test fails), stopped with SIGTERM then SIGKILL. Each child leads its own
 * process group (`setsid`), so signals reach everything it started
 * (wrangler's workerd), and test/support/watchdog.sh ends that group even
 * when the test runner itself dies (a crash, SIGKILL); a runner that exits
 * normally with children still running ends their groups on `unload`.
 */
export interface ChildProcess {
  /** The child's pid, which is also its process group id. */
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when a line matching `pattern` appears. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Signals the child's whole process group. */
  kill(signal?: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
  readonly status: Promise<Deno.CommandStatus>;
}

const WATCHDOG = new URL("./watchdog.sh", import.meta.url).pathname;

/** Process groups started here and still running, ended on unload. */
const liveGroups = new Set<number>();
addEventListener("unload", () => {
  for (const group of liveGroups) killGroup(group, "SIGKILL");
});

function killGroup(group: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-group, signal);
  } catch (error) {
    // The group is already gone.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Watches process group `group` (its leader's pid) from a separate process:
 * if this runner dies, the group gets SIGTERM, then SIGKILL. For processes
 * that other libraries start in their own group (Playwright's Chromium).
 */
export function watchGroup(group: number): { stop(): Promise<void> } {
  liveGroups.add(group);
  // In a session of its own: whoever kills the runner's process group leaves it running.
  const watchdog = new Deno.Command("setsid", {
    args: ["bash", WATCHDOG, String(Deno.pid), String(group)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    async stop() {
      liveGroups.delete(group);
      try {
        watchdog.kill("SIGTERM");
      } catch (error) {
        if (!(error instanceof TypeError)) throw error; // it had already exited
      }
      await watchdog.status;
    },
  };
}

/** Variables every child inherits from the runner; anything else it is given explicitly. */
const INHERITED = ["PATH", "HOME", "TMPDIR", "LANG", "TZ", "CI", "DENO_DIR", "XDG_CACHE_HOME"];

export function spawn(
  command: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    /** Start from an empty environment plus `INHERITED`, instead of the runner's whole one. */
    clearEnv?: boolean;
  } = {},
): ChildProcess {
  const inherited = options.clearEnv
    ? Object.fromEntries(
      INHERITED.flatMap((name) => {
        const value = Deno.env.get(name);
        return value === undefined ? [] : [[name, value]];
      }),
    )
    : {};
  const child = new Deno.Command("setsid", {
    args: [command, ...args],
    env: { ...inherited, ...options.env },
    clearEnv: options.clearEnv,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const watchdog = watchGroup(child.pid);
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    // Whatever the child left behind in its group would hold the pipes open.
    killGroup(child.pid, "SIGKILL");
    await watchdog.stop();
    await pumps;
    return s;
  });
  const signalGroup = (signal: Deno.Signal) => {
    if (!exited) killGroup(child.pid, signal);
  };
  return {
    pid: child.pid,
    output: () => text,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (exited) throw new Error(`process exited before ${pattern}:\n${text.slice(-4000)}`);
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${pattern}:\n${text.slice(-4000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    kill(signal: Deno.Signal = "SIGTERM") {
      signalGroup(signal);
    },
    async stop(graceMs = 5_000) {
      if (!exited) {
        signalGroup("SIGTERM");
        const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
        await status;
        clearTimeout(timer);
      }
      return await status;
    },
    status,
  };
}
