/**
 * `deno task mutate [file…]`: mutation testing with Stryker over the pure
 * domain and the edge's webhook and queue (issue 17). Each file's mutants
 * run against only the tests that pin it (the command test runner calling
 * `deno test`), one mutant at a time. Scores per file are merged into
 * dist/mutation.json, so a run over some files keeps the others' results.
 * Slow (minutes per file, far more for the workerd-backed edge files): not
 * part of CI. In workerd, tests that use test/support/shared_edge.ts share
 * one long-lived `wrangler dev` per set of vars for a whole Stryker run,
 * switched to each mutant at run time (test/support/mutation/worker.ts);
 * tests that start their own edge pass `__STRYKER_ACTIVE_MUTANT__` to it
 * as a var (test/support/edge.ts).
 */
import { startLibsqlServer } from "../test/support/libsql/server.ts";
import { prepareLibsql } from "../test/support/shared_edge.ts";
const ROOT = new URL("../", import.meta.url).pathname;
// `--report=dist/other.json`: a second run beside a running one writes its own report.
const REPORT = `${ROOT}${
  Deno.args.find((arg) => arg.startsWith("--report="))?.slice("--report=".length) ??
    "dist/mutation.json"
}`;

/** Files to mutate, grouped by the tests that pin them. */
export function groupsOf(files: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const key = testsOf(file).join(" ");
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return groups;
}

/**
 * The workerd-backed files and the tests that pin each. Most use the shared
 * mutation edge (a few seconds a mutant); those marked "fresh" start their own
 * `wrangler dev` per run, because what they pin lives in an isolate's module
 * state (the refusal counter) or needs a restart.
 */
const WORKERD_TESTS: Record<string, string[]> = {
  "edge/webhook/route.ts": [
    "test/edge/webhook_checks_test.ts",
    "test/edge/webhook_refusals_test.ts", // fresh
    "test/edge/webhook_log_test.ts", // fresh: wrangler at --log-level log
    "test/edge/webhook_queue_down_test.ts", // fresh: a queue object that fails one job
  ],
  "edge/webhook/github_server.ts": ["edge/webhook/github_server_test.ts"],
  "edge/webhook/rejection_counter.ts": [
    "edge/webhook/rejection_counter_test.ts", // unit: the flush's timing
    "test/edge/webhook_refusals_test.ts", // fresh
    "test/edge/webhook_refusal_flush_test.ts", // fresh: a queue object refusing the counts
  ],
  "edge/queue/job_queue.ts": [
    "test/edge/queue_object_test.ts",
    "test/edge/sharded_lease_test.ts",
    "test/edge/queue_clock_test.ts", // fresh: steps the pinned clock by restarts
  ],
  "edge/queue/sharded_queue.ts": [
    "test/edge/sharded_lease_test.ts",
    "test/edge/queue_object_test.ts",
    "test/edge/sharded_sweep_test.ts",
    "test/edge/webhook_refusals_test.ts", // fresh: the only caller of count()
  ],
  "edge/queue/queue_of.ts": [
    "test/edge/queue_object_test.ts",
    "test/edge/sharded_lease_test.ts",
    "test/edge/queue_shards_test.ts", // fresh
    "test/edge/queue_clock_test.ts", // fresh: reads the shard named "primary"
  ],
  "edge/queue/dead_letter_routes.ts": [
    "test/edge/queue_object_test.ts",
    "test/edge/dead_letter_routes_test.ts",
  ],
  "edge/queue/routes.ts": [
    "test/edge/queue_object_test.ts",
    "test/edge/sharded_lease_test.ts",
    "test/edge/lease_test.ts", // fresh: refusals without a core token
  ],
};

// `--own`: each shared/ file against only its own tests (`name_test.ts`, `name_*_test.ts`):
// faster, and a floor for the score the folder's tests give.
const isOwnOnly = Deno.args.includes("--own");

function testsOf(target: string, ownOnly = isOwnOnly): string[] {
  // `file.ts:120-195` (Stryker's line range) or `file.ts:34:30-34:60` (lines and columns: one
  // mutant) is pinned by the file's tests.
  const file = target.replace(/:\d+(?::\d+)?-\d+(?::\d+)?$/, "");
  if (file === "core/scheduler/reap_plan.ts") {
    return ["core/scheduler/reap_plan_test.ts", "core/scheduler/reap_plan_boundary_test.ts"];
  }
  // Pure edge modules have unit tests beside them: no workerd needed.
  if (file === "edge/webhook/signature.ts" || file === "edge/webhook/to_message.ts") {
    return [file.replace(/\.ts$/, "_test.ts")];
  }
  if (file in WORKERD_TESTS) return WORKERD_TESTS[file];
  if (file.startsWith("edge/")) throw new Error(`no tests are listed for ${file} in WORKERD_TESTS`);
  // shared/: the unit tests of the file's own folder.
  const dir = file.slice(0, file.lastIndexOf("/"));
  const base = file.slice(dir.length + 1, -".ts".length);
  const own = [...Deno.readDirSync(`${ROOT}${dir}`)]
    .filter((entry) => entry.name.endsWith("_test.ts"))
    .filter((entry) =>
      !ownOnly || entry.name === `${base}_test.ts` || entry.name.startsWith(`${base}_`)
    )
    .map((entry) => `${dir}/${entry.name}`)
    .sort();
  // A file without its own tests falls back to its folder's: `deno test` with no file would
  // run the whole suite for every mutant.
  if (own.length === 0 && ownOnly) return testsOf(file, false);
  if (own.length === 0) throw new Error(`no unit tests pin ${file}`);
  // The configuration reference pins each pool field's description (no workerd, ~1 s).
  return file === "shared/pool_fields.ts" ? [...own, "test/docs/pool_fields_doc_test.ts"] : own;
}

/** Every file `deno task mutate` covers by default. */
function defaultTargets(): string[] {
  const walk = (dir: string): string[] =>
    [...Deno.readDirSync(`${ROOT}${dir}`)].flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) return walk(path);
      return path.endsWith(".ts") && !path.endsWith("_test.ts") ? [path] : [];
    });
  // shared/db holds the drizzle schema and generated migrations: declarations, not decisions.
  const shared = walk("shared").filter((path) => !path.startsWith("shared/db/"));
  return [...shared, ...walk("edge/webhook"), ...walk("edge/queue"), "core/scheduler/reap_plan.ts"]
    .sort();
}

interface FileScore {
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  errors: number;
  score: number | null;
  /** Each survivor: line, mutator and the replacement text. */
  survivors: string[];
}

interface MutantReport {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number } };
}

function scoreOf(mutants: MutantReport[]): FileScore {
  const count = (status: string) => mutants.filter((m) => m.status === status).length;
  const [killed, survived, timeout, noCoverage] = ["Killed", "Survived", "Timeout", "NoCoverage"]
    .map(count);
  const errors = count("RuntimeError") + count("CompileError");
  const valid = killed + survived + timeout + noCoverage;
  return {
    killed,
    survived,
    timeout,
    noCoverage,
    errors,
    score: valid === 0 ? null : Math.round(((killed + timeout) / valid) * 10_000) / 100,
    survivors: mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .map((m) =>
        `${m.location.start.line}: ${m.mutatorName} → ${(m.replacement ?? "").slice(0, 80)}`
      ),
  };
}

async function runGroup(
  tests: string,
  files: string[],
  concurrency: number,
): Promise<Record<string, FileScore>> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-mutate-" });
  const base = JSON.parse(await Deno.readTextFile(`${ROOT}stryker.config.json`));
  const config = {
    ...base,
    mutate: files,
    concurrency,
    commandRunner: {
      // --fail-fast: a mutant the first (fast) test file kills skips the slower ones.
      command: `node node_modules/deno/bin.cjs test -A --no-check --quiet --fail-fast ${tests}`,
    },
    jsonReporter: { fileName: `${dir}/report.json` },
  };
  delete config.$schema;
  delete config._comment;
  await Deno.writeTextFile(`${dir}/stryker.config.json`, JSON.stringify(config, null, 2));
  console.log(`mutate: ${files.join(", ")}\n  tests: ${tests}`);
  const edges = tests.includes("test/edge/") ? await mutationEdges(dir) : undefined;
  const started = Date.now();
  const status = await new Deno.Command("node", {
    args: [
      `${ROOT}node_modules/@stryker-mutator/core/bin/stryker.js`,
      "run",
      `${dir}/stryker.config.json`,
    ],
    cwd: ROOT,
    env: edges?.env ?? {},
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status.finally(() => edges?.stop());
  console.log(`  took ${Math.round((Date.now() - started) / 1000)} s`);
  if (!status.success) {
    throw new Error(`stryker exited with ${status.code} for ${files.join(", ")}`);
  }
  const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`)) as {
    files: Record<string, { mutants: MutantReport[] }>;
  };
  return Object.fromEntries(
    Object.entries(report.files).map(([path, file]) => [path, scoreOf(file.mutants)]),
  );
}

/**
 * What test/support/shared_edge.ts needs to share one edge per set of vars
 * over a Stryker run: a directory for their state, this process's pid (their
 * watchdog ends them if it dies) and one libSQL with the test operators.
 * `stop` ends the edges and the libSQL.
 */
async function mutationEdges(dir: string) {
  const edgesDir = `${dir}/edges`;
  await Deno.mkdir(edgesDir);
  const libsql = await startLibsqlServer();
  await prepareLibsql(libsql.url);
  return {
    env: {
      GANTRY_MUTATION_EDGES: edgesDir,
      GANTRY_MUTATION_OWNER: String(Deno.pid),
      GANTRY_MUTATION_LIBSQL: libsql.url,
    },
    async stop() {
      for await (const entry of Deno.readDir(edgesDir)) {
        if (!entry.name.endsWith(".json")) continue;
        const { group } = JSON.parse(await Deno.readTextFile(`${edgesDir}/${entry.name}`));
        try {
          Deno.kill(-group, "SIGTERM");
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      }
      await libsql.close();
    },
  };
}

async function readReport(): Promise<Record<string, FileScore>> {
  try {
    return JSON.parse(await Deno.readTextFile(REPORT)).files ?? {};
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

if (import.meta.main) {
  // `--concurrency=2`: two mutants at a time (the machine's cores are shared; 1 by default).
  const flag = Deno.args.find((arg) => arg.startsWith("--concurrency="));
  const concurrency = flag ? Number(flag.slice("--concurrency=".length)) : 1;
  const paths = Deno.args.filter((arg) => !arg.startsWith("--"));
  const targets = paths.length > 0 ? paths : defaultTargets();
  const files = await readReport();
  for (const [tests, group] of groupsOf(targets)) {
    Object.assign(files, await runGroup(tests, group, concurrency));
    const all = Object.values(files);
    const sum = (key: "killed" | "survived" | "timeout" | "noCoverage") =>
      all.reduce((total, file) => total + file[key], 0);
    const detected = sum("killed") + sum("timeout");
    const valid = detected + sum("survived") + sum("noCoverage");
    await Deno.mkdir(REPORT.slice(0, REPORT.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(
      REPORT,
      JSON.stringify(
        {
          total: {
            killed: sum("killed"),
            survived: sum("survived"),
            timeout: sum("timeout"),
            noCoverage: sum("noCoverage"),
            score: valid === 0 ? null : Math.round((detected / valid) * 10_000) / 100,
          },
          files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
        },
        null,
        2,
      ) + "\n",
    );
  }
  console.log(`wrote ${REPORT}`);
}
