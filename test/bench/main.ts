/**
 * `deno task bench`: runs every benchmark module in turn, prints one table
 * and writes `dist/bench.json` (flat keys, for comparing runs).
 *
 *   deno task bench                     every benchmark
 *   deno task bench --only ingest,lease  some of them
 *   deno task bench --only start         start latency with EC2 modelled (issue 12.3)
 *   deno task bench --quick             smaller runs, a smoke check
 *
 * Exits 1 when a correctness figure (duplicates, lost) is not 0 or a benchmark
 * could not run; slow figures alone never fail the bench.
 */
import { parseArgs } from "node:util";
import type { BenchmarkModule, Figure } from "./figure.ts";

/** Every benchmark, in run order. A module exports `run(options): Promise<Figure[]>`. */
const BENCHMARKS: { name: string; load: () => Promise<BenchmarkModule> }[] = [
  { name: "ingest", load: () => import("./edge_ingest.ts") },
  { name: "lease", load: () => import("./lease_latency.ts") },
  { name: "console", load: () => import("./console_queries.ts") },
  { name: "launch", load: () => import("./launch_latency.ts") },
  { name: "burst", load: () => import("./core_burst.ts") },
  { name: "start", load: () => import("./start_latency.ts") },
];

const OUTPUT = new URL("../../dist/bench.json", import.meta.url);

function parseOptions(args: string[]) {
  const { values } = parseArgs({
    // `deno task bench -- --quick` passes the `--` through.
    args: args.filter((arg) => arg !== "--"),
    options: { only: { type: "string", multiple: true }, quick: { type: "boolean" } },
  });
  const only = (values.only ?? []).flatMap((list) => list.split(",")).filter(Boolean);
  const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    const known = BENCHMARKS.map((b) => b.name).join(", ");
    throw new Error(`unknown benchmark ${unknown.join(", ")}; known: ${known}`);
  }
  return { only, isQuick: values.quick ?? false };
}

function printTable(figures: readonly Figure[], cores: number): void {
  const rows = figures.map((f) => [
    f.label,
    f.value.toLocaleString("en-US", { maximumFractionDigits: 2 }),
    f.unit,
    String(cores),
    f.key,
    f.isCorrectness ? (f.value === 0 ? "ok" : "FAIL") : "",
  ]);
  const header = ["figure", "value", "unit", "cores", "key", "check"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<number> {
  const { only, isQuick } = parseOptions(Deno.args);
  const cores = navigator.hardwareConcurrency;
  const selected = BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name));
  const figures: Figure[] = [];
  const failures: string[] = [];
  for (const benchmark of selected) {
    console.error(`bench: ${benchmark.name}${isQuick ? " (quick)" : ""} …`);
    const startedAt = performance.now();
    try {
      figures.push(...await (await benchmark.load()).run({ isQuick }));
    } catch (error) {
      // Keep going: one broken benchmark should not hide the others' figures.
      failures.push(benchmark.name);
      console.error(`bench: ${benchmark.name} failed:`, error);
    }
    console.error(
      `bench: ${benchmark.name} took ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    );
  }

  console.log(
    `\nGantry bench — ${cores} cores, Deno ${Deno.version.deno}${isQuick ? ", QUICK run" : ""}`,
  );
  printTable(figures, cores);

  const results: Record<string, number | boolean> = {
    "machine.cores": cores,
    "run.quick": isQuick,
  };
  for (const figure of figures) results[figure.key] = figure.value;
  await Deno.mkdir(new URL(".", OUTPUT), { recursive: true });
  await Deno.writeTextFile(OUTPUT, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nwrote ${OUTPUT.pathname}`);

  const broken = figures.filter((f) => f.isCorrectness && f.value !== 0);
  for (const figure of broken) console.error(`bench: ${figure.key} = ${figure.value}, must be 0`);
  if (failures.length > 0) console.error(`bench: could not run ${failures.join(", ")}`);
  return broken.length > 0 || failures.length > 0 ? 1 : 0;
}

Deno.exit(await main());
