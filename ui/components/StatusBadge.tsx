import type { JobState } from "../../shared/job_state.ts";

/** The colour family of each state: amber waits, blue works, green done, red failed. */
const TONES: Record<JobState, "waiting" | "active" | "good" | "bad" | "muted"> = {
  queued: "waiting",
  claimed: "active",
  launching: "active",
  starting: "active",
  running: "active",
  completed: "good",
  failed: "bad",
  reaped: "bad",
  cancelled: "muted",
  dropped: "muted",
};

/** A job's state as a coloured pill. */
export function StatusBadge(props: { state: JobState }) {
  return (
    <span class={`badge badge-${TONES[props.state]}`} data-state={props.state}>{props.state}</span>
  );
}
