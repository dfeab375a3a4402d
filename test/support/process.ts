/**
 * Child processes for cross-process tests: output captured (shown when a
 * test fails), stopped with SIGTERM then SIGKILL. Each child leads its own
 * process group (`setsid`), so signals reach everything it started
 * (wrangler's workerd), and test/support/watchdog.sh ends that group even
 * when the test runner itself dies.
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
  const watchdog = new Deno.Command("bash", {
    args: [WATCHDOG, String(Deno.pid), String(child.pid)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
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
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      watchdog.kill("SIGTERM");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // it had already exited
    }
    await watchdog.status;
    await pumps;
    return s;
  });
  const signalGroup = (signal: Deno.Signal) => {
    if (exited) return;
    try {
      Deno.kill(-child.pid, signal);
    } catch (error) {
      // The group is already gone: the child exited between the check and the signal.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
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
