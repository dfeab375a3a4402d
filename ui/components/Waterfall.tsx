import { gantryShareMs, type Party, STAGE_LABELS, WAIT_LABELS } from "../../shared/job_stages.ts";
import type { JobDetailResponse } from "../../shared/schema/console.ts";
import { formatWait } from "../format.ts";

/** Whose time a gap was, as the console says it. */
export const PARTY_LABELS: Record<Party, string> = {
  github: "GitHub",
  gantry: "Gantry",
  provider: "provider",
  runner: "runner",
};

/**
 * Where a job's wait went: one row per gap between two stages, whose time it
 * was, how long, a bar placed on the job's own time line, and why it waited.
 * A table first, so a screen reader reads it as one; the bars only repeat it.
 */
export function Waterfall(props: { segments: JobDetailResponse["waterfall"] }) {
  const { segments } = props;
  if (segments.length === 0) {
    return <p class="muted" data-testid="waterfall-empty">No stages recorded yet.</p>;
  }
  const start = segments[0].startAt;
  const last = segments[segments.length - 1];
  const totalMs = Math.max(1, last.startAt + last.durationMs - start);
  return (
    <>
      <p data-testid="waterfall-total">
        {STAGE_LABELS[segments[0].from]} → {STAGE_LABELS[last.to]}:{" "}
        <strong>{formatWait(totalMs)}</strong>, of which Gantry's own{" "}
        <strong>{formatWait(gantryShareMs(segments))}</strong>
      </p>
      <table
        class="waterfall"
        data-testid="waterfall"
        aria-label="Where the job's wait went, stage by stage"
      >
        <thead>
          <tr>
            <th>Until</th>
            <th>Whose time</th>
            <th class="num">Took</th>
            <th aria-hidden="true" class="waterfall-track-head" />
            <th>Waited for</th>
          </tr>
        </thead>
        <tbody>
          {segments.map((s) => (
            <tr key={s.to} data-stage={s.to} data-party={s.party}>
              <td>{STAGE_LABELS[s.to]}</td>
              <td>{PARTY_LABELS[s.party]}</td>
              <td class="num" data-took>{formatWait(s.durationMs)}</td>
              <td aria-hidden="true" class="waterfall-track">
                <span
                  class={`waterfall-bar party-${s.party}`}
                  style={{
                    marginLeft: `${((s.startAt - start) / totalMs) * 100}%`,
                    width: `max(2px, ${(s.durationMs / totalMs) * 100}%)`,
                  }}
                />
              </td>
              <td data-reasons>{s.reasons.map((r) => WAIT_LABELS[r]).join(", ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
