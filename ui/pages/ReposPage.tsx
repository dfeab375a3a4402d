import { useState } from "preact/hooks";
import type { RepoView } from "../../shared/schema/config_api.ts";
import { DeleteButton, Field, FormMessage, TagList } from "../components/FormField.tsx";
import { useConsole } from "../console.ts";
import { type FormErrors, NO_ERRORS, numberOf, tagsOf, tagsText } from "../forms/form_errors.ts";
import { ConfigPageHead, useConfigPage } from "../components/ConfigPageHead.tsx";

/** Repo bindings: each `owner/repo` belongs to one project, with an optional cap and tags. */
export function ReposPage() {
  const { config, isAdmin } = useConfigPage();
  const [editing, setEditing] = useState<{ repo: RepoView | null } | null>(null);
  const orgProjects = config.projects.value.filter((p) => p.scope.kind === "org");

  return (
    <section>
      <ConfigPageHead
        title="Repos"
        actionLabel="Bind repo"
        isAdmin={isAdmin}
        isEditing={editing !== null}
        error={config.error.value}
        onAction={() => setEditing({ repo: null })}
      />
      {editing && (
        <RepoForm
          key={editing.repo?.id ?? "new"}
          repo={editing.repo}
          onDone={() => setEditing(null)}
        />
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Repos table">
        <table class="config" aria-busy={config.isLoading.value}>
          <thead>
            <tr>
              <th>Repo</th>
              <th>Project</th>
              <th class="num">Cap override</th>
              <th>Tags</th>
              {isAdmin && <th />}
            </tr>
          </thead>
          <tbody>
            {config.repos.value.map((repo) => (
              <tr key={repo.id} data-repo={repo.fullName}>
                <td class="mono">{repo.fullName}</td>
                <td>{repo.project}</td>
                <td class="num">{repo.cap ?? <span class="muted">project's</span>}</td>
                <td>
                  <TagList tags={repo.tags} />
                </td>
                {isAdmin && (
                  <td class="actions">
                    <button
                      type="button"
                      class="button secondary small"
                      onClick={() => setEditing({ repo })}
                    >
                      Edit
                    </button>
                    <DeleteButton
                      label="Unbind"
                      onConfirm={() => void config.deleteRepo(repo.id)}
                    />
                  </td>
                )}
              </tr>
            ))}
            {config.repos.value.length === 0 && !config.isLoading.value && (
              <tr>
                <td colSpan={5} class="empty">No repos bound yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {orgProjects.length > 0 && (
        <p class="muted small">
          Org scopes (every repo of the org without a binding above):{" "}
          {orgProjects.map((p) => p.scope.kind === "org" ? `${p.scope.org}/* → ${p.name}` : "")
            .join(", ")}
        </p>
      )}
    </section>
  );
}

function RepoForm(props: { repo: RepoView | null; onDone: () => void }) {
  const { config } = useConsole();
  const repo = props.repo;
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "");
    const tags = tagsOf(text("tags"));
    if (!tags.ok) {
      setErrors({ message: "fix the fields marked below", fields: { tags: tags.message } });
      return;
    }
    const result = await config.saveRepo(repo?.id ?? null, {
      fullName: text("fullName"),
      projectId: text("projectId"),
      cap: numberOf(text("cap"), null),
      tags: tags.tags,
    });
    if (result.ok) props.onDone();
    else setErrors(result.errors);
  };

  return (
    <form class="card edit-form" onSubmit={onSubmit} aria-label="Repo binding" noValidate>
      <h2>{repo ? `Edit ${repo.fullName}` : "Bind a repo"}</h2>
      <FormMessage errors={errors} />
      <div class="form-grid">
        <Field label="Repository" name="fullName" errors={errors} hint="owner/repo">
          <input name="fullName" placeholder="octocat/hello-world" defaultValue={repo?.fullName} />
        </Field>
        <Field label="Project" name="projectId" errors={errors}>
          <select name="projectId">
            <option value="">choose…</option>
            {config.projects.value.map((p) => (
              <option key={p.id} value={p.id} selected={p.id === repo?.projectId}>{p.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Cap override" name="cap" errors={errors} hint="blank = the project's cap">
          <input name="cap" type="number" min={0} defaultValue={repo?.cap?.toString() ?? ""} />
        </Field>
        <Field label="Tags" name="tags" errors={errors} hint="key=value per line" class="wide">
          <textarea name="tags" rows={3} defaultValue={tagsText(repo?.tags ?? {})} />
        </Field>
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary">{repo ? "Save" : "Bind"}</button>
        <button type="button" class="button secondary" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}
