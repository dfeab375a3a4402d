import { Time } from "../components/Time.tsx";
import { useEffect } from "preact/hooks";
import { JOB_STATES } from "../../shared/job_state.ts";
import { Link } from "../components/Link.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { useConsole } from "../console.ts";
import { formatCost, formatDuration, runDurationOf } from "../format.ts";
import { filterOf, type JobsFilter, searchOf } from "../models/jobs_model.ts";

/** Every job, newest first, filtered by the URL's query, paged by cursor. */
export function JobsPage(props: { query: URLSearchParams }) {
  const { jobs, router } = useConsole();
  const search = props.query.toString();
  useEffect(() => {
    void jobs.load(filterOf(new URLSearchParams(search)));
  }, [jobs, search]);

  const filter = jobs.filter.value;
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const [key, value] of form) next[key] = String(value);
    router.navigate(`/jobs${searchOf(filterOf(new URLSearchParams(next)))}`);
  };
  const now = Date.now();
  return (
    <section>
      <header class="page-head">
        <h1>Jobs</h1>
        <button type="button" class="button secondary" onClick={() => jobs.refresh()}>
          Refresh
        </button>
      </header>
      <form class="filters" onSubmit={onSubmit} aria-label="Filter jobs" key={search}>
        <label>
          Status
          <select name="status" value={filter.status ?? ""}>
            <option value="">all</option>
            {JOB_STATES.map((state) => <option key={state} value={state}>{state}</option>)}
          </select>
        </label>
        <FilterInput name="project" label="Project" filter={filter} />
        <FilterInput name="pool" label="Pool" filter={filter} />
        <FilterInput name="repo" label="Repo" filter={filter} placeholder="owner/repo" />
        <button type="submit" class="button primary">Apply</button>
        {search && <Link href="/jobs" class="button secondary">Clear</Link>}
      </form>
      {jobs.error.value && <p class="banner banner-bad" role="alert">{jobs.error.value}</p>}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Jobs table">
        <table class="jobs" aria-busy={jobs.isLoading.value}>
          <thead>
            <tr>
              <th>Status</th>
              <th>Repo</th>
              <th>Job id</th>
              <th class="col-wide">Sender</th>
              <th class="col-wide">Instance</th>
              <th>Queued at</th>
              <th class="col-wide">Launched at</th>
              <th class="num">Duration</th>
              <th class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {jobs.jobs.value.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <td>
                  <StatusBadge state={job.state} />
                </td>
                <td>{job.repoFullName}</td>
                <td>
                  <Link href={`/jobs/${encodeURIComponent(job.id)}`}>{job.githubJobId}</Link>
                  <div class="muted small">{job.jobName}</div>
                </td>
                <td class="col-wide">{job.sender ?? "—"}</td>
                <td class="mono col-wide">{job.instanceId ?? "—"}</td>
                <td>
                  <Time ms={job.queuedAt} short now={now} />
                </td>
                <td class="col-wide">
                  <Time ms={job.launchedAt} short now={now} />
                </td>
                <td class="num">{formatDuration(runDurationOf(job, now))}</td>
                <td class="num" data-cost>{formatCost(job.costUsd)}</td>
              </tr>
            ))}
            {jobs.jobs.value.length === 0 && !jobs.isLoading.value && (
              <tr>
                <td colSpan={9} class="empty">No jobs match.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          class="button secondary"
          disabled={!jobs.hasPrevious.value}
          onClick={() => jobs.previous()}
        >
          ← Newer
        </button>
        <span class="muted" data-testid="page">Page {jobs.page.value}</span>
        <button
          type="button"
          class="button secondary"
          disabled={!jobs.hasNext.value}
          onClick={() => jobs.next()}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}

function FilterInput(
  props: {
    name: "project" | "pool" | "repo";
    label: string;
    filter: JobsFilter;
    placeholder?: string;
  },
) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        defaultValue={props.filter[props.name] ?? ""}
        placeholder={props.placeholder ?? "any"}
      />
    </label>
  );
}
