import { Time } from "../components/Time.tsx";
import { instanceConsoleUrl, regionOfZone } from "../aws_console.ts";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { Link } from "../components/Link.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { Waterfall } from "../components/Waterfall.tsx";
import { useConsole } from "../console.ts";
import { formatCost, formatDuration, formatPricePerHour, runDurationOf } from "../format.ts";

/** Everything known about one job, and its timeline of transitions. */
export function JobDetailPage(props: { id: string }) {
  const { jobDetail } = useConsole();
  useEffect(() => {
    void jobDetail.load(props.id);
  }, [jobDetail, props.id]);
  const detail = jobDetail.detail.value;
  const error = jobDetail.error.value;
  if (error) {
    return (
      <section>
        <p class="banner banner-bad" role="alert">{error}</p>
        <Link href="/jobs">← All jobs</Link>
      </section>
    );
  }
  if (!detail) return <p class="muted">Loading…</p>;
  const { job, transitions, waterfall } = detail;
  return (
    <section class="job-detail">
      <header class="page-head">
        <div>
          <Link href="/jobs" class="muted small">← All jobs</Link>
          <h1>
            {job.jobName} <StatusBadge state={job.state} />
          </h1>
          <div class="muted">{job.repoFullName} · {job.workflowName ?? "workflow unknown"}</div>
        </div>
        {job.htmlUrl && (
          <a class="button secondary" href={job.htmlUrl} target="_blank" rel="noopener noreferrer">
            Open in GitHub ↗
          </a>
        )}
      </header>
      {job.failureReason && (
        <p class="banner banner-bad" data-testid="failure-reason">{job.failureReason}</p>
      )}
      <div class="detail-grid">
        <div class="card">
          <h2>Job</h2>
          <dl>
            <Field label="Job id">{job.githubJobId}</Field>
            <Field label="Run">{job.runId} (attempt {job.runAttempt})</Field>
            <Field label="Branch">{job.branch ?? "—"}</Field>
            <Field label="Commit">
              <span class="mono">{job.sha.slice(0, 12)}</span>
            </Field>
            <Field label="Sender">{job.sender ?? "—"}</Field>
            <Field label="Labels">{job.labels.join(", ")}</Field>
            <Field label="Conclusion">{job.conclusion ?? "—"}</Field>
          </dl>
        </div>
        <div class="card">
          <h2>Placement</h2>
          <dl>
            <Field label="Project">{job.project ?? "—"}</Field>
            <Field label="Pool">{job.pool ?? "—"}</Field>
            <Field label="Launch attempts">{job.launchAttempts}</Field>
            <Field label="Instance">
              <InstanceLink instanceId={job.instanceId} zone={job.availabilityZone} />
            </Field>
            <Field label="Type">
              {job.instanceType ?? "—"}
              {job.isSpot === null ? "" : job.isSpot ? " · spot" : " · on-demand"}
            </Field>
            <Field label="Zone">{job.availabilityZone ?? "—"}</Field>
            <Field label="Price">{formatPricePerHour(job.priceUsdPerHour)}</Field>
          </dl>
        </div>
        <div class="card">
          <h2>Time and cost</h2>
          <dl>
            <Field label="Queued">
              <Time ms={job.queuedAt} />
            </Field>
            <Field label="Launched">
              <Time ms={job.launchedAt} />
            </Field>
            <Field label="Started">
              <Time ms={job.startedAt} />
            </Field>
            <Field label="Completed">
              <Time ms={job.completedAt} />
            </Field>
            <Field label="Duration">{formatDuration(runDurationOf(job, Date.now()))}</Field>
            <Field label="Cost">
              <span data-testid="detail-cost">{formatCost(job.costUsd)}</span>
            </Field>
          </dl>
        </div>
      </div>
      <div class="card">
        <h2>Where the wait went</h2>
        <Waterfall segments={waterfall} />
      </div>
      <div class="card">
        <h2>Timeline</h2>
        <ol class="timeline" data-testid="timeline">
          {transitions.map((t, index) => (
            <li key={index} data-to={t.to}>
              <span class="timeline-time">
                <Time ms={t.at} />
              </span>
              <StatusBadge state={t.to} />
              {t.from && <span class="muted small">from {t.from}</span>}
              {t.reason && <span class="timeline-reason">{t.reason}</span>}
            </li>
          ))}
          {transitions.length === 0 && <li class="muted">No transitions recorded.</li>}
        </ol>
      </div>
    </section>
  );
}

function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/** The instance id, linked to its AWS console page when its zone tells the region. */
function InstanceLink(props: { instanceId: string | null; zone: string | null }) {
  const region = regionOfZone(props.zone);
  if (props.instanceId === null) return <span class="mono">—</span>;
  if (region === null) return <span class="mono">{props.instanceId}</span>;
  return (
    <a
      class="mono"
      href={instanceConsoleUrl(props.instanceId, region)}
      target="_blank"
      rel="noopener noreferrer"
      data-testid="instance-console-link"
    >
      {props.instanceId} ↗
    </a>
  );
}
