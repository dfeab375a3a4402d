/**
 * Child processes for cross-process tests: output captured (shown when a
 * test fails), stopped with SIGTERM then SIGKILL.
 */
export interface ChildProcess {
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when a line matching `pattern` appears. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
  readonly status: Promise<Deno.CommandStatus>;
}

export function spawn(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ChildProcess {
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then(async (s) => {
    await pumps;
    return s;
  });
  let exited = false;
  status.then(() => exited = true);
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
      if (!exited) child.kill(signal);
    },
    async stop(graceMs = 5_000) {
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => !exited && child.kill("SIGKILL"), graceMs);
        await status;
        clearTimeout(timer);
      }
      return await status;
    },
    status,
  };
}
