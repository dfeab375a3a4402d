import { STAGE_LABELS, WAIT_LABELS } from "../../shared/job_stages.ts";
import type { StageStatsResponse } from "../../shared/schema/stage_stats.ts";
import { formatWait } from "../format.ts";
import { PARTY_LABELS } from "./Waterfall.tsx";

/** The stats page's "where the wait went": each stage's p50/p95 per pool, and why jobs waited. */
export function StageStatsCard(props: { data: StageStatsResponse }) {
  const { data } = props;
  return (
    <section class="card">
      <h2>Where the wait went</h2>
      {data.stages.length === 0
        ? <p class="muted" data-testid="stage-stats-empty">No stages recorded in this window.</p>
        : (
          <table data-testid="stage-stats" aria-label="Stage latency per pool">
            <thead>
              <tr>
                <th>Pool</th>
                <th>Until</th>
                <th>Whose time</th>
                <th class="num">Jobs</th>
                <th class="num">p50</th>
                <th class="num">p95</th>
              </tr>
            </thead>
            <tbody>
              {data.stages.map((row) => (
                <tr
                  key={`${row.poolKey}/${row.stage}`}
                  data-pool={row.poolKey}
                  data-stage={row.stage}
                >
                  <td>{row.pool}</td>
                  <td>{STAGE_LABELS[row.stage]}</td>
                  <td>{PARTY_LABELS[row.party]}</td>
                  <td class="num">{row.jobs}</td>
                  <td class="num">{formatWait(row.p50Ms)}</td>
                  <td class="num">{formatWait(row.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <h3>Top reasons for waiting</h3>
      <ol class="rank" data-testid="wait-reasons">
        {data.reasons.map((row) => (
          <li key={row.reason} data-reason={row.reason}>
            <span>{WAIT_LABELS[row.reason]}</span>
            <span class="num">{row.jobs} {row.jobs === 1 ? "job" : "jobs"}</span>
          </li>
        ))}
        {data.reasons.length === 0 && <li class="muted">No job waited for a known reason.</li>}
      </ol>
      <p class="muted small">
        Of {data.jobs} jobs queued in the window{data.isSampled ? " (the newest only)" : ""}.
      </p>
    </section>
  );
}
