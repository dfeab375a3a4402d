/**
 * The stats page: the window and grouping the URL names, and the answer.
 * Custom windows are whole UTC days, `from` to `to` inclusive, written in
 * the URL as dates (`/stats?window=custom&from=2026-11-01&to=2026-11-15`).
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import { STATS_GROUPS, type StatsGroup, type StatsResponse } from "../../shared/schema/stats.ts";
import type { StageStatsResponse } from "../../shared/schema/stage_stats.ts";
import type { OpsApi, StatsRequest } from "../api/ops_client.ts";

const DAY_MS = 86_400_000;
const PRESETS = ["1d", "7d", "30d", "90d"] as const;

/** What the stats page shows, as its URL says it. */
export interface StatsView {
  window: StatsRequest["window"];
  groupBy: StatsGroup;
  /** `YYYY-MM-DD` (UTC), only for custom windows. */
  fromDate?: string;
  toDate?: string;
}

/** The view a `/stats` query names; anything unknown falls back to 7 days by project. */
export function statsViewOf(query: URLSearchParams): StatsView {
  const window = query.get("window");
  const groupBy = query.get("groupBy");
  const group = (STATS_GROUPS as readonly string[]).includes(groupBy ?? "")
    ? groupBy as StatsGroup
    : "project";
  if (window === "custom") {
    const fromDate = dateOr(query.get("from"));
    const toDate = dateOr(query.get("to"));
    if (fromDate && toDate) return { window, groupBy: group, fromDate, toDate };
  }
  const preset = (PRESETS as readonly string[]).includes(window ?? "")
    ? window as StatsView["window"]
    : "7d";
  return { window: preset, groupBy: group };
}

/** The query string of a view, `?window=…&groupBy=…`. */
export function statsSearchOf(view: StatsView): string {
  const search = new URLSearchParams({ window: view.window, groupBy: view.groupBy });
  if (view.window === "custom" && view.fromDate && view.toDate) {
    search.set("from", view.fromDate);
    search.set("to", view.toDate);
  }
  return `?${search}`;
}

/** The API request for a view: dates become `[from 00:00, to + 1 day 00:00)` UTC. */
export function statsRequestOf(view: StatsView): StatsRequest {
  if (view.window !== "custom" || !view.fromDate || !view.toDate) {
    return { window: view.window === "custom" ? "7d" : view.window, groupBy: view.groupBy };
  }
  return {
    window: "custom",
    groupBy: view.groupBy,
    from: Date.parse(`${view.fromDate}T00:00:00Z`),
    to: Date.parse(`${view.toDate}T00:00:00Z`) + DAY_MS,
  };
}

function dateOr(value: string | null): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
    ? value
    : undefined;
}

/** The stats model: signals and actions. */
export interface StatsModel {
  readonly view: ReadonlySignal<StatsView>;
  readonly stats: ReadonlySignal<StatsResponse | null>;
  /** Where the window's jobs waited, per pool and stage. */
  readonly stages: ReadonlySignal<StageStatsResponse | null>;
  readonly isLoading: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  load(view: StatsView): Promise<void>;
}

/** A stats model over `ops`. */
export function createStatsModel(ops: OpsApi): StatsModel {
  const view = signal<StatsView>({ window: "7d", groupBy: "project" });
  const stats = signal<StatsResponse | null>(null);
  const stages = signal<StageStatsResponse | null>(null);
  const isLoading = signal(false);
  const error = signal<string | null>(null);
  let latest = 0;
  return {
    view,
    stats,
    stages,
    isLoading,
    error,
    async load(next) {
      const request = ++latest;
      view.value = next;
      isLoading.value = true;
      try {
        const asked = statsRequestOf(next);
        const [answer, stageAnswer] = await Promise.all([ops.stats(asked), ops.stageStats(asked)]);
        if (request !== latest) return;
        stats.value = answer;
        stages.value = stageAnswer;
        error.value = null;
      } catch (reason) {
        if (request !== latest) return;
        error.value = reason instanceof Error ? reason.message : String(reason);
      } finally {
        if (request === latest) isLoading.value = false;
      }
    },
  };
}
