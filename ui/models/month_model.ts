/**
 * The overview's month: finished jobs per day (refreshed with the tiles,
 * every 5 s) and the spend card (every 60 s: spend moves slowly and its
 * ranking is the dearer read).
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { DailyOutcomesResponse, SpendResponse } from "../../shared/schema/stats.ts";
import type { OpsApi } from "../api/ops_client.ts";

/** The month model: signals and its refresh timers. */
export interface MonthModel {
  readonly daily: ReadonlySignal<DailyOutcomesResponse | null>;
  readonly spend: ReadonlySignal<SpendResponse | null>;
  readonly spendUpdatedAt: ReadonlySignal<number | null>;
  readonly error: ReadonlySignal<string | null>;
  refreshDaily(): Promise<void>;
  refreshSpend(): Promise<void>;
  /** Refreshes both now, then on their own intervals until {@link stop}. */
  start(): void;
  stop(): void;
}

/** A month model over `ops`. */
export function createMonthModel(
  ops: OpsApi,
  options: { dailyIntervalMs?: number; spendIntervalMs?: number; now?: () => number } = {},
): MonthModel {
  const now = options.now ?? Date.now;
  const daily = signal<DailyOutcomesResponse | null>(null);
  const spend = signal<SpendResponse | null>(null);
  const spendUpdatedAt = signal<number | null>(null);
  const error = signal<string | null>(null);
  let timers: ReturnType<typeof setInterval>[] = [];
  const guard = (load: () => Promise<void>) => async () => {
    try {
      await load();
      error.value = null;
    } catch (reason) {
      error.value = reason instanceof Error ? reason.message : String(reason);
    }
  };
  const refreshDaily = guard(async () => {
    daily.value = await ops.dailyOutcomes();
  });
  const refreshSpend = guard(async () => {
    spend.value = await ops.spend();
    spendUpdatedAt.value = now();
  });
  return {
    daily,
    spend,
    spendUpdatedAt,
    error,
    refreshDaily,
    refreshSpend,
    start() {
      if (timers.length > 0) return;
      void refreshDaily();
      void refreshSpend();
      timers = [
        setInterval(refreshDaily, options.dailyIntervalMs ?? 5_000),
        setInterval(refreshSpend, options.spendIntervalMs ?? 60_000),
      ];
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers = [];
    },
  };
}
