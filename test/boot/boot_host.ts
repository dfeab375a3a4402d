/**
 * A scratch "instance" for running the rendered boot script with bash: a
 * runner home and log under a temp dir, root-only commands (`shutdown`,
 * `useradd`, `chown`, `sudo`) stubbed through PATH and recording how they were
 * called (`sha256sum` and `tar` recorded, then run), a runner archive whose `run.sh` records how it was started, served
 * on loopback like a GitHub release, and a counting proxy in front of the edge.
 */

const STUBS: Record<string, string> = {
  shutdown: `echo "shutdown $*" >> "$BOOT_RECORD/calls"`,
  useradd: `echo "useradd $*" >> "$BOOT_RECORD/calls"`,
  chown: `echo "chown $*" >> "$BOOT_RECORD/calls"`,
  // Recorded, then the real one (the stubs lead PATH): shows whether an archive was verified.
  sha256sum: `echo "sha256sum $*" >> "$BOOT_RECORD/calls"; PATH=\${PATH#*:} exec sha256sum "$@"`,
  tar: `echo "tar $*" >> "$BOOT_RECORD/calls"; PATH=\${PATH#*:} exec tar "$@"`,
  // sudo -u USER -H -- cmd…: record the user and the mode of the file handed over, then run cmd.
  sudo: `echo "sudo $*" >> "$BOOT_RECORD/calls"
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done; shift
echo "jitfile-mode $(stat -c %a "\${!#}")" >> "$BOOT_RECORD/calls"
exec "$@"`,
};

/** run.sh of the fake runner: its argv, and the JIT config its environment carried. */
const RUN_SH = `#!/bin/bash
{
  echo "args=$*"
  echo "jit=\${ACTIONS_RUNNER_INPUT_JITCONFIG:-}"
  echo "cwd=$(pwd)"
} >> "$BOOT_RECORD/runner"
# A test (or the dev simulator) that needs the runner busy creates "hold", then "release" when
# its job is done; it gives up after BOOT_HOLD_SECONDS (default 30).
if [ -e "$BOOT_RECORD/hold" ]; then
  # Ticks are read timeouts on a private FIFO, not sleep: no process per tick, however many wait.
  tick="$BOOT_RECORD/tick.$$"
  mkfifo "$tick" && exec 3<>"$tick" && rm -f "$tick"
  for ((i = 0; i < \${BOOT_HOLD_SECONDS:-30} * 10; i++)); do
    [ -e "$BOOT_RECORD/release" ] && break
    read -r -t 0.1 -u 3 _ || :
  done
fi
`;

/** The PATH cloud-init runs user data with on a Linux instance. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface BootHost {
  dir: string;
  runnerHome: string;
  log: string;
  /** PATH and BOOT_RECORD for the script. */
  env: Record<string, string>;
  /** Lines the stubs recorded. */
  calls(): Promise<string[]>;
  /** What run.sh recorded, or null if it never ran. */
  runner(): Promise<string[] | null>;
  cleanup(): Promise<void>;
}

export async function bootHost(): Promise<BootHost> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-boot-" });
  const stubs = `${dir}/stubs`;
  const record = `${dir}/record`;
  await Deno.mkdir(stubs);
  await Deno.mkdir(record);
  for (const [name, body] of Object.entries(STUBS)) {
    await Deno.writeTextFile(`${stubs}/${name}`, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  }
  const lines = async (path: string) => {
    try {
      return (await Deno.readTextFile(path)).trimEnd().split("\n");
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };
  return {
    dir,
    runnerHome: `${dir}/home/runner`,
    log: `${dir}/gantry-bootstrap.log`,
    // An instance's PATH (stubs first), then this machine's as a fallback: a version manager's
    // shims ahead of /usr/bin would cost each python3 call a second on a busy machine.
    env: { PATH: `${stubs}:${SYSTEM_PATH}:${Deno.env.get("PATH")}`, BOOT_RECORD: record },
    calls: async () => (await lines(`${record}/calls`)) ?? [],
    runner: () => lines(`${record}/runner`),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A runner directory with the recording run.sh (for an archive, or "pre-installed"). */
export async function writeFakeRunner(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.writeTextFile(`${dir}/run.sh`, RUN_SH, { mode: 0o755 });
}

export interface ReleaseServer {
  url: string;
  sha256: string;
  /** Archive downloads so far. */
  downloads: () => number;
  stop(): Promise<void>;
}

/** Where the core's script puts things on a real instance, and where they go on this host. */
export interface HostPlacement {
  imdsUrl: string;
  runnerHome: string;
  log: string;
  /** Replaces the edge URL (a proxy in front of the same edge). */
  edgeUrl?: string;
  spotPollSeconds?: number;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The core's boot script as rendered for a real instance, moved onto this
 * host: only the assignments of where things are (IMDS, runner home, log,
 * and the edge or spot poll when given) change; every line that does
 * something runs as the core rendered it.
 */
export function userDataOnHost(script: string, place: HostPlacement): string {
  const values: [string, string][] = [
    ["IMDS", shellQuote(place.imdsUrl)],
    ["RUNNER_HOME", shellQuote(place.runnerHome)],
    ["LOG", shellQuote(place.log)],
  ];
  if (place.edgeUrl) values.push(["EDGE", shellQuote(place.edgeUrl)]);
  if (place.spotPollSeconds) values.push(["SPOT_POLL_SECONDS", String(place.spotPollSeconds)]);
  return values.reduce((text, [name, value]) => {
    const line = new RegExp(`^${name}=.*$`, "m");
    if (!line.test(text)) throw new Error(`the boot script sets no ${name}`);
    return text.replace(line, () => `${name}=${value}`);
  }, script);
}

/** Serves a fake `actions-runner-linux-<arch>-<version>.tar.gz` (x64 and arm64) as a release download. */
export async function serveRelease(dir: string, version: string): Promise<ReleaseServer> {
  const tree = `${dir}/release-tree`;
  await writeFakeRunner(tree);
  const archive = `${dir}/runner.tar.gz`;
  const tar = await new Deno.Command("tar", { args: ["czf", archive, "-C", tree, "."] }).output();
  if (!tar.success) throw new Error("tar failed");
  const bytes = await Deno.readFile(archive);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let downloads = 0;
  const paths = ["x64", "arm64"].map((arch) =>
    `/v${version}/actions-runner-linux-${arch}-${version}.tar.gz`
  );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (!paths.includes(new URL(request.url).pathname)) return new Response("", { status: 404 });
    downloads += 1;
    return new Response(bytes);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    downloads: () => downloads,
    stop: () => server.shutdown(),
  };
}

export interface CountingProxy {
  url: string;
  /** `METHOD path` of each request passed on. */
  requests: string[];
  stop(): Promise<void>;
}

/** Passes requests to `target` and remembers them, to count what the script asked the edge. */
export function countingProxy(target: string): CountingProxy {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
    const body = request.method === "GET" ? undefined : await request.arrayBuffer();
    const response = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body,
    });
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      headers: response.headers,
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    stop: () => server.shutdown(),
  };
}

/** Runs `script` with bash on the host; at most `timeoutMs`, so a hung boot fails the test. */
export async function runBoot(
  host: BootHost,
  script: string,
  timeoutMs = 60_000,
): Promise<{ code: number; output: string }> {
  const path = `${host.dir}/user-data.sh`;
  await Deno.writeTextFile(path, script);
  const result = await new Deno.Command("bash", {
    args: [path],
    env: host.env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, output: decode(result.stdout) + decode(result.stderr) };
}
