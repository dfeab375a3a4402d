import { Time } from "./Time.tsx";
import { useEffect } from "preact/hooks";
import { useConsole } from "../console.ts";
import { formatUsd } from "../format.ts";
import { MonthChart } from "./MonthChart.tsx";

/** The overview's month: the per-day chart and the spend card, each on its own refresh. */
export function MonthCards() {
  const { month } = useConsole();
  useEffect(() => {
    month.start();
    return () => month.stop();
  }, [month]);
  const daily = month.daily.value;
  const spend = month.spend.value;
  const monthName = daily
    ? new Date(daily.month.from).toLocaleString("en", { month: "long", timeZone: "UTC" })
    : "";
  return (
    <div class="overview-month">
      <section class="card" aria-label="Jobs per day">
        <h2>Jobs per day · {monthName} (UTC)</h2>
        <div class="chart-legend">
          <span>
            <span class="swatch swatch-good" />completed
          </span>
          <span>
            <span class="swatch swatch-bad" />failed / reaped
          </span>
          <span>by the day the job was queued</span>
        </div>
        {daily ? <MonthChart data={daily} /> : <p class="muted">loading…</p>}
      </section>
      <section class="card" aria-label="Spend" data-testid="spend-card">
        <h2>Estimated spend · month to date</h2>
        {month.error.value && <p class="banner banner-bad" role="alert">{month.error.value}</p>}
        {spend
          ? (
            <>
              <div class="tile-value" data-testid="spend-total">{formatUsd(spend.totalUsd)}</div>
              {spend.unquoted > 0 && (
                <p class="floor-note">
                  a floor: {spend.unquoted} finished job{spend.unquoted === 1 ? "" : "s"}{" "}
                  had no price quote
                </p>
              )}
              <h3 class="small muted">Top projects</h3>
              <Ranking rows={spend.projects} testId="spend-projects" />
              <h3 class="small muted">Top repos</h3>
              <Ranking rows={spend.repos} testId="spend-repos" />
              <div class="muted small">
                updated <Time ms={month.spendUpdatedAt.value} /> · every 60 s
              </div>
            </>
          )
          : <p class="muted">loading…</p>}
      </section>
    </div>
  );
}

function Ranking(
  props: { rows: { key: string; label: string; costUsd: number }[]; testId: string },
) {
  if (props.rows.length === 0) return <p class="muted small">no spend yet</p>;
  return (
    <ol class="rank" data-testid={props.testId}>
      {props.rows.map((row) => (
        <li key={row.key} data-key={row.key}>
          <span>{row.label}</span>
          <span class="num" data-cost>{formatUsd(row.costUsd)}</span>
        </li>
      ))}
    </ol>
  );
}
