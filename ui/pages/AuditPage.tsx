import { Time } from "../components/Time.tsx";
import { selectOnKey } from "../components/keyboard.ts";
import { AUDIT_FAMILIES, auditFamilyOf, currentActionName } from "../../shared/audit_families.ts";
import { useEffect } from "preact/hooks";
import { Link } from "../components/Link.tsx";
import { useConsole } from "../console.ts";

import { AUDIT_PAGE_SIZES, auditFilterOf, auditSearchOf } from "../models/audit_model.ts";

/** Every state-changing action and sign-in attempt, newest first, with the payload aside. */
export function AuditPage(props: { query: URLSearchParams }) {
  const { audit, router } = useConsole();
  const search = props.query.toString();
  useEffect(() => {
    void audit.load(auditFilterOf(new URLSearchParams(search)));
  }, [audit, search]);
  const filter = audit.filter.value;
  const page = audit.page.value;
  const selected = audit.selected.value;
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [key, value] of form) if (value) next.set(key, String(value));
    router.navigate(`/audit${auditSearchOf(auditFilterOf(next))}`);
  };
  return (
    <section>
      <header class="page-head">
        <h1>Audit</h1>
      </header>
      {page && (
        <div class="tiles">
          <div class="tile tile-neutral" data-tile="audit-total">
            <div class="tile-label">Events</div>
            <div class="tile-value">{page.total}</div>
            <div class="tile-hint">matching the filters</div>
          </div>
          <div class={`tile tile-${page.failures > 0 ? "bad" : "good"}`} data-tile="audit-failures">
            <div class="tile-label">Failures</div>
            <div class="tile-value">{page.failures}</div>
            <div class="tile-hint">refused sign-ins and actions</div>
          </div>
        </div>
      )}
      <form class="filters" onSubmit={onSubmit} aria-label="Filter audit" key={search}>
        <label>
          Family
          <select name="family" value={filter.family ?? ""}>
            <option value="">all</option>
            {AUDIT_FAMILIES.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </label>
        <label>
          Action
          <select name="action" value={filter.action ?? ""}>
            <option value="">all</option>
            {(page?.actions ?? [])
              .filter((a) => !filter.family || auditFamilyOf(a) === filter.family)
              .map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>
          Outcome
          <select name="outcome" value={filter.outcome ?? ""}>
            <option value="">all</option>
            <option value="ok">ok</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <label>
          From (UTC)
          <input type="date" name="from" value={filter.fromDate ?? ""} />
        </label>
        <label>
          To (UTC)
          <input type="date" name="to" value={filter.toDate ?? ""} />
        </label>
        <label>
          Page size
          <select name="limit" value={String(filter.limit)}>
            {AUDIT_PAGE_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <button type="submit" class="button primary">Apply</button>
        {search && <Link href="/audit" class="button secondary">Clear</Link>}
      </form>
      {audit.error.value && <p class="banner banner-bad" role="alert">{audit.error.value}</p>}
      <div class="with-panel">
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit log table">
          <table data-testid="audit">
            <thead>
              <tr>
                <th>At</th>
                <th>Action</th>
                <th>Actor</th>
                <th>Target</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {(page?.events ?? []).map((event) => (
                <tr
                  key={event.id}
                  data-audit={event.id}
                  class="selectable"
                  aria-selected={selected?.id === event.id}
                  tabIndex={0}
                  onClick={() => audit.select(event)}
                  onKeyDown={selectOnKey(() => audit.select(event))}
                >
                  <td>
                    <Time ms={event.at} short />
                  </td>
                  <td class="mono" title={actionTitleOf(event.action)}>
                    {currentActionName(event.action)}
                  </td>
                  <td>{event.actor}</td>
                  <td class="mono" title={event.target ?? undefined}>{event.target ?? "—"}</td>
                  <td>
                    <span class={`badge badge-${event.outcome === "ok" ? "good" : "bad"}`}>
                      {event.outcome}
                    </span>
                  </td>
                </tr>
              ))}
              {page && page.events.length === 0 && (
                <tr>
                  <td colSpan={5} class="empty">Nothing audited matches.</td>
                </tr>
              )}
            </tbody>
          </table>
          <div class="pager">
            <button
              type="button"
              class="button secondary"
              disabled={audit.pageNumber.value <= 1}
              onClick={() => audit.previous()}
            >
              Newer
            </button>
            <span class="muted">page {audit.pageNumber.value}</span>
            <button
              type="button"
              class="button secondary"
              disabled={!page?.nextCursor}
              onClick={() => audit.next()}
            >
              Older
            </button>
          </div>
        </div>
        <aside class="card side-panel" aria-label="Audit event" data-testid="audit-panel">
          {selected
            ? (
              <>
                <h2 title={actionTitleOf(selected.action)}>
                  {currentActionName(selected.action)}
                </h2>
                <dl>
                  <dt>At</dt>
                  <dd>
                    <Time ms={selected.at} />
                  </dd>
                  <dt>Actor</dt>
                  <dd>{selected.actor}</dd>
                  <dt>Target</dt>
                  <dd class="mono">{selected.target ?? "—"}</dd>
                  <dt>Outcome</dt>
                  <dd>{selected.outcome}</dd>
                </dl>
                <pre
                  data-testid="audit-payload"
                  tabIndex={0}
                  aria-label="Payload"
                >{JSON.stringify(selected.payload, null, 2)}</pre>
              </>
            )
            : <p class="muted">Select an event to see its full payload.</p>}
        </aside>
      </div>
    </section>
  );
}

/** For a row written under an old name: what it was recorded as. */
function actionTitleOf(action: string): string | undefined {
  return currentActionName(action) === action ? undefined : `recorded as ${action}`;
}
