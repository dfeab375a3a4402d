/**
 * The overview: live tiles, refreshed every 5 s while the page is open.
 *
 * @module
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import { formatUsd } from "../../shared/cost.ts";
import type { OverviewResponse } from "../../shared/schema/console.ts";
import type { ApiClient } from "../api/client.ts";

/** One tile: a label, a value, and its tone. */
export interface Tile {
  key: string;
  label: string;
  value: string;
  hint?: string;
  tone: "neutral" | "waiting" | "active" | "good" | "bad";
}

/** The overview model: signals and actions. */
export interface OverviewModel {
  readonly overview: ReadonlySignal<OverviewResponse | null>;
  readonly tiles: ReadonlySignal<Tile[]>;
  readonly error: ReadonlySignal<string | null>;
  readonly windowHours: number;
  refresh(): Promise<void>;
  /** Refreshes now and every `intervalMs` until {@link stop}. */
  start(): void;
  stop(): void;
}

/** An overview model over `api`. */
export function createOverviewModel(
  api: ApiClient,
  options: { intervalMs?: number; windowHours?: number } = {},
): OverviewModel {
  const intervalMs = options.intervalMs ?? 5_000;
  const windowHours = options.windowHours ?? 24;
  const overview = signal<OverviewResponse | null>(null);
  const error = signal<string | null>(null);
  let timer: ReturnType<typeof setInterval> | undefined;

  const refresh = async () => {
    try {
      overview.value = await api.overview(windowHours);
      error.value = null;
    } catch (reason) {
      error.value = reason instanceof Error ? reason.message : String(reason);
    }
  };

  return {
    overview,
    tiles: computed(() => overview.value ? tilesOf(overview.value, windowHours) : []),
    error,
    windowHours,
    refresh,
    start() {
      if (timer !== undefined) return;
      void refresh();
      timer = setInterval(refresh, intervalMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The tiles an overview shows, in order. */
export function tilesOf(overview: OverviewResponse, windowHours: number): Tile[] {
  const active = (...states: (keyof OverviewResponse["active"])[]) =>
    states.reduce((sum, state) => sum + (overview.active[state] ?? 0), 0);
  const finished = (...states: (keyof OverviewResponse["inWindow"])[]) =>
    states.reduce((sum, state) => sum + (overview.inWindow[state] ?? 0), 0);
  const window = `last ${windowHours} h`;
  const { queue } = overview;
  return [
    { key: "projects", label: "Projects", value: String(overview.projects), tone: "neutral" },
    { key: "repos", label: "Bound repos", value: String(overview.repos), tone: "neutral" },
    {
      key: "waiting",
      label: "Queued / starting",
      value: String(active("queued", "claimed", "launching", "starting")),
      tone: "waiting",
    },
    { key: "running", label: "Running", value: String(active("running")), tone: "active" },
    {
      key: "completed",
      label: "Completed",
      value: String(finished("completed")),
      hint: window,
      tone: "good",
    },
    {
      key: "failed",
      label: "Failed / reaped",
      value: String(finished("failed", "reaped")),
      hint: window,
      tone: "bad",
    },
    {
      key: "spend",
      label: "Estimated spend",
      value: formatUsd(overview.spendUsd),
      hint: window,
      tone: "neutral",
    },
    {
      key: "queue",
      label: "Edge queue",
      value: String(queue.ready + queue.leased + queue.delayed),
      hint: `${queue.leased} leased · ${queue.dead} dead`,
      tone: queue.dead > 0 ? "bad" : "neutral",
    },
  ];
}
