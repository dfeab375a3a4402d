import { useState } from "preact/hooks";
import { useConsole } from "../console.ts";

/** Backup: export the configuration as JSON; import one, seeing the diff before applying it. */
export function BackupPage() {
  const { backup, config, session } = useConsole();
  const isAdmin = session.user.value?.role === "admin";
  const [text, setText] = useState("");
  const exported = backup.exported.value;
  const result = backup.result.value;
  const downloadHref = exported
    ? `data:application/json;charset=utf-8,${encodeURIComponent(exported)}`
    : null;

  if (!isAdmin) {
    return (
      <section>
        <header class="page-head">
          <h1>Backup</h1>
        </header>
        <p class="banner banner-info">Export and import need the admin role.</p>
      </section>
    );
  }
  return (
    <section>
      <header class="page-head">
        <h1>Backup</h1>
      </header>
      <p class="muted">
        Projects, repo bindings and pools, by name. Jobs, instances, launch templates and users are
        not included. An import creates and updates; it never deletes.
      </p>
      {backup.error.value && (
        <pre
          class="banner banner-bad"
          role="alert"
          data-testid="backup-error"
        >{backup.error.value}</pre>
      )}
      <div class="backup-grid">
        <div class="card">
          <h2>Export</h2>
          <div class="form-actions">
            <button
              type="button"
              class="button primary"
              disabled={backup.isBusy.value}
              onClick={() => backup.exportNow()}
            >
              Export JSON
            </button>
            {downloadHref && (
              <a class="button secondary" href={downloadHref} download="gantry-backup.json">
                Download
              </a>
            )}
          </div>
          {exported && (
            <textarea class="mono json" readOnly rows={18} data-testid="export" value={exported} />
          )}
        </div>
        <div class="card">
          <h2>Import</h2>
          <label>
            Backup JSON
            <textarea
              class="mono json"
              rows={18}
              name="backup"
              value={text}
              onInput={(event) => {
                setText((event.currentTarget as HTMLTextAreaElement).value);
                backup.reset();
              }}
            />
          </label>
          <div class="form-actions">
            <button
              type="button"
              class="button secondary"
              disabled={backup.isBusy.value || !text.trim()}
              onClick={() => backup.preview(text)}
            >
              Preview changes
            </button>
            <button
              type="button"
              class="button primary"
              disabled={backup.isBusy.value || !result || result.isApplied}
              onClick={async () => {
                await backup.apply();
                void config.load();
              }}
            >
              Apply import
            </button>
          </div>
          {result && (
            <div class="import-result" data-testid="import-result">
              <p>
                <b>{result.isApplied ? "Applied" : "Would apply"}:</b> {result.summary.create}{" "}
                to create, {result.summary.update} to update, {result.summary.unchanged} unchanged.
              </p>
              <table class="config">
                <tbody>
                  {result.changes.filter((c) => c.action !== "unchanged").map((change) => (
                    <tr key={`${change.kind}:${change.key}`} data-change={change.action}>
                      <td>
                        <span
                          class={`badge ${
                            change.action === "create" ? "badge-good" : "badge-active"
                          }`}
                        >
                          {change.action}
                        </span>
                      </td>
                      <td>{change.kind}</td>
                      <td class="mono">{change.key}</td>
                      <td class="muted">{change.fields.join(", ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
