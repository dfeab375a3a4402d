import { Time } from "../components/Time.tsx";
import { useEffect } from "preact/hooks";
import { STATS_GROUPS } from "../../shared/schema/stats.ts";
import { StageStatsCard } from "../components/StageStatsCard.tsx";
import { useConsole } from "../console.ts";
import { formatDuration, formatUsd } from "../format.ts";
import { statsSearchOf, type StatsView, statsViewOf } from "../models/stats_model.ts";

const WINDOWS = [
  ["1d", "1 d"],
  ["7d", "7 d"],
  ["30d", "30 d"],
  ["90d", "90 d"],
  ["custom", "custom"],
] as const;

const GROUP_LABELS = { project: "Project", pool: "Pool", repo: "Repo", label: "Label" } as const;

/** Jobs, runner time and spend over a window, grouped; top senders; start latency per pool. */
export function StatsPage(props: { query: URLSearchParams }) {
  const { stats, router } = useConsole();
  const search = props.query.toString();
  useEffect(() => {
    void stats.load(statsViewOf(new URLSearchParams(search)));
  }, [stats, search]);
  const view = stats.view.value;
  const data = stats.stats.value;
  const stages = stats.stages.value;
  const go = (next: StatsView) => router.navigate(`/stats${statsSearchOf(next)}`);
  const today = new Date().toISOString().slice(0, 10);
  const onCustom = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    go({
      window: "custom",
      groupBy: view.groupBy,
      fromDate: String(form.get("from")),
      toDate: String(form.get("to")),
    });
  };
  const totals = data?.totals;
  return (
    <section class="stats-page">
      <header class="page-head">
        <h1>Stats</h1>
        <span class="muted" data-testid="stats-window">
          {data
            ? (
              <>
                <Time ms={data.window.from} /> → <Time ms={data.window.to} />
              </>
            )
            : "loading…"}
        </span>
      </header>
      <div class="filters" role="group" aria-label="Window">
        {WINDOWS.map(([value, label]) => (
          <button
            key={value}
            type="button"
            class={`button ${view.window === value ? "primary" : "secondary"}`}
            aria-pressed={view.window === value}
            onClick={() =>
              go(
                value === "custom"
                  ? { ...view, window: "custom", fromDate: view.fromDate ?? today, toDate: today }
                  : { window: value, groupBy: view.groupBy },
              )}
          >
            {label}
          </button>
        ))}
        <label>
          Group by
          <select
            name="groupBy"
            value={view.groupBy}
            onChange={(event) =>
              go({ ...view, groupBy: (event.currentTarget as HTMLSelectElement).value as never })}
          >
            {STATS_GROUPS.map((g) => <option key={g} value={g}>{GROUP_LABELS[g]}</option>)}
          </select>
        </label>
      </div>
      {view.window === "custom" && (
        <form class="filters" onSubmit={onCustom} aria-label="Custom window" key={search}>
          <label>
            From (UTC)
            <input type="date" name="from" value={view.fromDate} required />
          </label>
          <label>
            To (UTC, inclusive)
            <input type="date" name="to" value={view.toDate} required />
          </label>
          <button type="submit" class="button primary">Apply</button>
        </form>
      )}
      {stats.error.value && <p class="banner banner-bad" role="alert">{stats.error.value}</p>}
      {totals && (
        <div class="tiles">
          <Tile id="jobs" label="Jobs" value={String(totals.jobs)} />
          <Tile id="runtime" label="Runner time" value={formatDuration(totals.runtimeMs)} />
          <Tile
            id="cost"
            label="Estimated cost"
            value={formatUsd(totals.costUsd)}
            hint={totals.unquoted > 0 ? "a floor: some jobs had no price quote" : undefined}
          />
          <Tile
            id="unquoted"
            label="Jobs without a price quote"
            value={String(totals.unquoted)}
            tone={totals.unquoted > 0 ? "waiting" : "neutral"}
          />
        </div>
      )}
      {data && (
        <>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Stats by group table">
            <table data-testid="stats-groups" aria-busy={stats.isLoading.value}>
              <thead>
                <tr>
                  <th>{GROUP_LABELS[data.groupBy]}</th>
                  <th class="num">Jobs</th>
                  <th class="num">Completed</th>
                  <th class="num">Failed / reaped</th>
                  <th class="num">Runner time</th>
                  <th class="num">Est. cost</th>
                  <th class="num">No quote</th>
                </tr>
              </thead>
              <tbody>
                {data.groups.map((row) => (
                  <tr key={row.key} data-group={row.key}>
                    <td>{row.label}</td>
                    <td class="num" data-jobs>{row.jobs}</td>
                    <td class="num">{row.completed}</td>
                    <td class="num">{row.failed}</td>
                    <td class="num">{formatDuration(row.runtimeMs)}</td>
                    <td class="num" data-cost>{formatUsd(row.costUsd)}</td>
                    <td class="num">{row.unquoted}</td>
                  </tr>
                ))}
                {data.groups.length === 0 && (
                  <tr>
                    <td colSpan={7} class="empty">No jobs in this window.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          {data.groupBy === "label" && (
            <p class="muted small">A job counts once under each label it asked for.</p>
          )}
          <div class="split">
            <section class="card">
              <h2>Top senders</h2>
              <ol class="rank" data-testid="top-senders">
                {data.senders.map((s) => (
                  <li key={s.sender}>
                    <span>{s.sender}</span>
                    <span class="num">{s.jobs} jobs · {formatUsd(s.costUsd)}</span>
                  </li>
                ))}
              </ol>
            </section>
            <section class="card">
              <h2>Queue-to-start latency</h2>
              <table data-testid="latency">
                <thead>
                  <tr>
                    <th>Pool</th>
                    <th class="num">Started</th>
                    <th class="num">p50</th>
                    <th class="num">p95</th>
                  </tr>
                </thead>
                <tbody>
                  {data.latency.map((row) => (
                    <tr key={row.poolKey} data-pool={row.poolKey}>
                      <td>{row.pool}</td>
                      <td class="num">{row.started}</td>
                      <td class="num" data-p50>{formatDuration(row.p50Ms)}</td>
                      <td class="num" data-p95>{formatDuration(row.p95Ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="muted small">From histogram buckets about 1.5× apart.</p>
            </section>
          </div>
          {stages && <StageStatsCard data={stages} />}
        </>
      )}
    </section>
  );
}

function Tile(
  props: {
    id: string;
    label: string;
    value: string;
    hint?: string;
    tone?: "neutral" | "waiting";
  },
) {
  return (
    <div class={`tile tile-${props.tone ?? "neutral"}`} data-tile={props.id}>
      <div class="tile-label">{props.label}</div>
      <div class="tile-value">{props.value}</div>
      {props.hint && <div class="tile-hint">{props.hint}</div>}
    </div>
  );
}
