/**
 * gantry: the operator's command line for a Gantry edge. Lists and acts on
 * jobs, runners and pools through the edge's `/api/v1` with the token
 * `gantry login` keeps. See docs/cli.md for every command and exit code.
 */
import { parseArgs } from "node:util";
import { VERSION } from "../core/version.ts";
import {
  actionShow,
  auditList,
  type CommandContext,
  control,
  jobShow,
  jobsList,
  poolsList,
  runnersList,
  stats,
} from "./commands.ts";
import { loadCredentials } from "./credentials.ts";
import { EdgeApi } from "./edge_api.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { login, logout } from "./login.ts";

const HELP = `gantry ${VERSION} — operate a Gantry deployment

Usage: gantry <command> [options]

  login --url URL --email EMAIL [--password-stdin]   sign in (password from GANTRY_PASSWORD or stdin)
  login --url URL --token TOKEN                      keep a session token (e.g. from an SSO sign-in)
  logout                                             sign out and forget the token
  jobs ls [--status S] [--pool ID] [--repo R] [--limit N]
  jobs show JOB
  jobs cancel JOB                                    drop a job that has not started launching
  jobs retry JOB                                     queue a failed launch again
  runners ls [--all]                                 machines with their job, age and cost
  runners terminate MACHINE [--force]                remove its runner from GitHub, then terminate
  pools ls
  pools drain POOL | pools resume POOL               stop / restart launches for one pool
  pause | resume                                     stop / restart all launching
  action ID                                          what became of an action
  audit [--action A] [--outcome ok|failed] [--limit N]
  stats [--window 1d|7d|30d|90d] [--group-by project|pool|repo|label]

Options: --json (machine-readable output), --url URL (override the signed-in edge),
         --wait SECONDS (for actions; default 30, 0 returns at once)
Exit codes: 0 ok, 1 error, 2 usage, 3 not signed in, 4 not admin, 5 not found,
            6 conflict, 7 edge or database unavailable, 8 action failed or not reported
`;

const OPTIONS = {
  json: { type: "boolean" },
  url: { type: "string" },
  email: { type: "string" },
  token: { type: "string" },
  "password-stdin": { type: "boolean" },
  status: { type: "string" },
  pool: { type: "string" },
  repo: { type: "string" },
  limit: { type: "string" },
  all: { type: "boolean" },
  force: { type: "boolean" },
  action: { type: "string" },
  outcome: { type: "string" },
  window: { type: "string" },
  "group-by": { type: "string" },
  wait: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** Every command but login, logout and `action ID`. */
const COMMANDS = new Set([
  "jobs ls",
  "jobs show",
  "jobs cancel",
  "jobs retry",
  "runners ls",
  "runners terminate",
  "pools ls",
  "pools drain",
  "pools resume",
  "pause",
  "resume",
  "audit",
  "stats",
]);

export interface CliIo {
  env: Record<string, string | undefined>;
  print: (text: string) => void;
  readStdin: () => Promise<string>;
}

/** Runs one command line; returns the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    console.error(`gantry: ${(error as Error).message} (gantry --help)`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.print(HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (values.version) {
    io.print(VERSION);
    return EXIT.ok;
  }
  try {
    await dispatch(positionals, values, io);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`gantry: ${error.message}`);
    return error.exitCode;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>[
  "values"
];

async function dispatch(positionals: string[], values: Values, io: CliIo): Promise<void> {
  const [command, sub, target] = positionals;
  if (command === "login") {
    const url = values.url ?? io.env.GANTRY_URL;
    if (!url) {
      throw new CliError(
        EXIT.usage,
        "login needs --url (the edge, e.g. https://gantry.example.com)",
      );
    }
    const password = values["password-stdin"]
      ? (await io.readStdin()).replace(/\r?\n$/, "")
      : io.env.GANTRY_PASSWORD;
    return await login({ url, email: values.email, token: values.token, password }, io);
  }
  if (command === "logout") return await logout(io);
  const key = `${command} ${sub ?? ""}`.trim();
  if (!COMMANDS.has(key) && !(command === "action" && sub)) {
    throw new CliError(EXIT.usage, `unknown command "${positionals.join(" ")}" (gantry --help)`);
  }
  const credentials = await loadCredentials(io.env, values.url);
  const wait = Number(values.wait ?? "30");
  if (!Number.isFinite(wait) || wait < 0) throw new CliError(EXIT.usage, "--wait takes seconds");
  const context: CommandContext = {
    api: new EdgeApi(credentials.url, credentials.token),
    isJson: values.json ?? false,
    print: io.print,
    waitSeconds: wait,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const need = (what: string) => {
    if (!target) throw new CliError(EXIT.usage, `${command} ${sub} needs ${what}`);
    return encodeURIComponent(target);
  };
  switch (key) {
    case "jobs ls":
      return await jobsList(context, {
        status: values.status,
        pool: values.pool,
        repo: values.repo,
        limit: values.limit,
      });
    case "jobs show":
      return await jobShow(context, need("a job id"));
    case "jobs cancel":
      return await control(context, `/api/v1/jobs/${need("a job id")}/cancel`);
    case "jobs retry":
      return await control(context, `/api/v1/jobs/${need("a job id")}/retry`);
    case "runners ls":
      return await runnersList(context, values.all ?? false);
    case "runners terminate":
      return await control(context, `/api/v1/runners/${need("a machine id")}/terminate`, {
        force: values.force ?? false,
      });
    case "pools ls":
      return await poolsList(context);
    case "pools drain":
      return await control(context, `/api/v1/pools/${need("a pool id")}/drain`);
    case "pools resume":
      return await control(context, `/api/v1/pools/${need("a pool id")}/resume`);
    case "pause":
      return await control(context, "/api/v1/control/pause");
    case "resume":
      return await control(context, "/api/v1/control/resume");
    case "audit":
      return await auditList(context, {
        action: values.action,
        outcome: values.outcome,
        limit: values.limit,
      });
    case "stats":
      return await stats(context, { window: values.window, groupBy: values["group-by"] });
  }
  if (command === "action" && sub) return await actionShow(context, sub);
  throw new CliError(EXIT.usage, `unknown command "${positionals.join(" ")}" (gantry --help)`);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

if (import.meta.main) {
  Deno.exit(
    await runCli(Deno.args, {
      env: Deno.env.toObject(),
      print: (text) => console.log(text),
      readStdin: () => readAll(Deno.stdin.readable),
    }),
  );
}
