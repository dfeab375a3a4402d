/** What every benchmark module hands back to `main.ts`, and the statistics they share. */
import { percentileOf } from "../../shared/stats/percentile.ts";

/** One measured number, printed as a table row and written to `dist/bench.json` under `key`. */
export interface Figure {
  /** Stable name for comparing runs, `<area>.<what>`: `ingest.per_s`, `lease.p99_ms`. */
  key: string;
  label: string;
  value: number;
  unit: string;
  /** A count that must be 0 (duplicates, lost); any other value fails the bench. */
  isCorrectness?: boolean;
}

export interface BenchOptions {
  /** Smaller runs for a smoke check; figures are then not comparable. */
  isQuick: boolean;
}

/** A benchmark module: `main.ts` imports it lazily and calls `run`. */
export interface BenchmarkModule {
  run(options: BenchOptions): Promise<Figure[]>;
}

/** The `p`-th percentile (0–100) of `samples`, by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  return percentileOf(samples, p) ?? NaN;
}

/** Rounds for display and storage: latencies to 0.01 ms, rates to whole units. */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
