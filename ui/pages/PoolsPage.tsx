import { useDialogFocus } from "../components/keyboard.ts";
import { useEffect, useState } from "preact/hooks";
import { poolLabelSet, runsOnLine } from "../../shared/labels.ts";
import type { PoolView } from "../../shared/schema/config_api.ts";
import { DeleteButton, Field, FormMessage } from "../components/FormField.tsx";
import { useConsole } from "../console.ts";
import { type FormErrors, NO_ERRORS } from "../forms/form_errors.ts";
import {
  PoolFieldChecks,
  PoolFieldControls,
  poolSettingsOfForm,
} from "../forms/pool_fields_form.tsx";
import { ConfigPageHead, useConfigPage } from "../components/ConfigPageHead.tsx";
import { WarmCapacityTable } from "../components/WarmCapacityTable.tsx";

type Editing = { id: string | null; draft: Partial<PoolView> };

/** Pools: launch settings, routing, the runs-on line a workflow needs, and the launch template. */
export function PoolsPage() {
  const { config, isAdmin } = useConfigPage();
  const { warmPools } = useConsole();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [preview, setPreview] = useState<PoolView | null>(null);
  useEffect(() => void warmPools.load(), [warmPools]);

  return (
    <section>
      <ConfigPageHead
        title="Pools"
        actionLabel="New pool"
        isAdmin={isAdmin}
        isEditing={editing !== null}
        error={config.error.value}
        onAction={() => setEditing({ id: null, draft: {} })}
      />
      {editing && (
        <PoolForm
          key={editing.id ?? `new-${editing.draft.name ?? ""}`}
          editing={editing}
          onDone={() => setEditing(null)}
        />
      )}
      {preview && <RunsOnPreview pool={preview} onClose={() => setPreview(null)} />}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Pools table">
        <table class="config" aria-busy={config.isLoading.value}>
          <thead>
            <tr>
              <th>Project / pool</th>
              <th class="num">Priority</th>
              <th>Launch</th>
              <th>Instance types</th>
              <th>AMI</th>
              <th>Labels</th>
              <th>Launch template</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {config.pools.value.map((pool) => (
              <tr key={pool.id} data-pool={`${pool.project}/${pool.name}`}>
                <td>
                  <span class="muted">{pool.project} /</span> <b>{pool.name}</b>
                  <div class="flags">
                    {pool.isDefault && <span class="badge badge-active">default</span>}
                    {pool.isEnabled
                      ? <span class="badge badge-good">enabled</span>
                      : <span class="badge badge-bad">disabled</span>}
                  </div>
                </td>
                <td class="num">{pool.priority}</td>
                <td>
                  {pool.spawn}
                  {pool.isSpot ? " · spot" : " · on-demand"}
                  <div class="muted small">{pool.allocationStrategy}</div>
                </td>
                <td class="mono">{pool.instanceTypes.join(", ")}</td>
                <td class="mono">{pool.ami}</td>
                <td>
                  {pool.extraLabels.length > 0
                    ? <span class="mono">{pool.extraLabels.join(", ")}</span>
                    : <span class="muted">—</span>}
                </td>
                <td class="mono" data-template>
                  {pool.launchTemplateId
                    ? `${pool.launchTemplateId} v${pool.launchTemplateVersion}`
                    : <span class="muted">not yet</span>}
                </td>
                <td class="actions">
                  <button
                    type="button"
                    class="button secondary small"
                    onClick={() =>
                      setPreview(pool)}
                  >
                    runs-on
                  </button>
                  {isAdmin && (
                    <>
                      <button
                        type="button"
                        class="button secondary small"
                        onClick={() =>
                          setEditing({
                            id: null,
                            draft: { ...pool, name: `${pool.name}-copy`, isDefault: false },
                          })}
                      >
                        Copy
                      </button>
                      <button
                        type="button"
                        class="button secondary small"
                        onClick={() => setEditing({ id: pool.id, draft: pool })}
                      >
                        Edit
                      </button>
                      <DeleteButton
                        onConfirm={() =>
                          void config.deletePool(pool.id)}
                      />
                    </>
                  )}
                </td>
              </tr>
            ))}
            {config.pools.value.length === 0 && !config.isLoading.value && (
              <tr>
                <td colSpan={8} class="empty">No pools yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <WarmCapacityTable data={warmPools.data.value} error={warmPools.error.value} />
    </section>
  );
}

/** The exact label set a runner of `pool` registers with for a chosen repo, and its runs-on line. */
function RunsOnPreview(props: { pool: PoolView; onClose: () => void }) {
  const { config } = useConsole();
  const { pool } = props;
  const bound = config.repos.value.filter((repo) => repo.projectId === pool.projectId);
  const [repo, setRepo] = useState(bound[0]?.fullName ?? "");
  const [copied, setCopied] = useState<string | null>(null);
  const dialog = useDialogFocus<HTMLDivElement>(props.onClose);
  const labels = repo
    ? poolLabelSet({
      project: pool.project,
      pool: pool.name,
      repoFullName: repo,
      extraLabels: pool.extraLabels,
    })
    : [];
  const line = runsOnLine(labels);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(line);
      setCopied("Copied.");
    } catch (_denied) {
      setCopied("The browser refused the clipboard; select the line and copy it.");
    }
  };
  return (
    <div
      class="card runs-on"
      data-testid="runs-on"
      role="dialog"
      aria-labelledby="runs-on-title"
      ref={dialog.ref}
      onKeyDown={dialog.onKeyDown}
    >
      <header class="page-head">
        <h2 id="runs-on-title">runs-on for {pool.project}/{pool.name}</h2>
        <button type="button" class="button secondary small" onClick={props.onClose}>Close</button>
      </header>
      <label>
        Repository
        <input
          list="runs-on-repos"
          value={repo}
          placeholder="owner/repo"
          onInput={(event) => setRepo((event.currentTarget as HTMLInputElement).value.trim())}
        />
        <datalist id="runs-on-repos">
          {bound.map((r) => <option key={r.id} value={r.fullName} />)}
        </datalist>
      </label>
      {repo
        ? (
          <>
            <p class="chips" data-testid="runs-on-labels">
              {labels.map((label) => <span key={label} class="chip mono">{label}</span>)}
            </p>
            <pre
              class="mono runs-on-line"
              data-testid="runs-on-line"
              tabIndex={0}
              aria-label="runs-on line"
            >{line}</pre>
            <button type="button" class="button secondary small" onClick={copy}>Copy line</button>
            {copied && <span class="muted small">{copied}</span>}
          </>
        )
        : <p class="muted">Choose a repository bound to {pool.project}.</p>}
    </div>
  );
}

function PoolForm(props: { editing: Editing; onDone: () => void }) {
  const { config } = useConsole();
  const { id, draft } = props.editing;
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  // Escape closes the form and gives focus back to the button that opened it.
  const dialog = useDialogFocus<HTMLFormElement>(props.onDone);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const read = poolSettingsOfForm(form);
    if (!read.ok) {
      setErrors({ message: "fix the fields marked below", fields: read.fields });
      return;
    }
    const result = await config.savePool(id, {
      projectId: String(form.get("projectId") ?? ""),
      ...read.settings,
    });
    if (result.ok) props.onDone();
    else setErrors(result.errors);
  };

  return (
    <form
      class="card edit-form"
      onSubmit={onSubmit}
      aria-label="Pool"
      noValidate
      ref={dialog.ref}
      onKeyDown={dialog.onKeyDown}
    >
      <h2>{id ? `Edit pool ${draft.project}/${draft.name}` : "New pool"}</h2>
      <FormMessage errors={errors} />
      <div class="form-grid">
        <Field label="Project" name="projectId" errors={errors}>
          <select name="projectId">
            <option value="">choose…</option>
            {config.projects.value.map((p) => (
              <option key={p.id} value={p.id} selected={p.id === draft.projectId}>{p.name}</option>
            ))}
          </select>
        </Field>
        <PoolFieldControls draft={draft} errors={errors} />
        <PoolFieldChecks draft={draft} />
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary">{id ? "Save" : "Create"}</button>
        <button type="button" class="button secondary" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}
