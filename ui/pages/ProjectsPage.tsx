import { useState } from "preact/hooks";
import type { ProjectView } from "../../shared/schema/config_api.ts";
import { Check, DeleteButton, Field, FormMessage, TagList } from "../components/FormField.tsx";
import { useDialogFocus } from "../components/keyboard.ts";
import { useConsole } from "../console.ts";
import { type FormErrors, NO_ERRORS, numberOf, tagsOf, tagsText } from "../forms/form_errors.ts";
import { ConfigPageHead, useConfigPage } from "../components/ConfigPageHead.tsx";
import { RUNNER_GROUP_ID_PROBLEM, runnerGroupIdOf } from "../forms/runner_group_id.ts";

const RUNNER_GROUP_HINT = "GitHub runner group for org-level runners; empty = Default (1)";
/** How the API names a runner group problem under the scope field (see errorsOfIssues). */
const RUNNER_GROUP_PREFIX = "runnerGroupId: ";

/** Projects: cap, cascading tags, disabled flag and scope; admins create, edit and delete. */
export function ProjectsPage() {
  const { config, isAdmin } = useConfigPage();
  const [editing, setEditing] = useState<{ project: ProjectView | null } | null>(null);

  return (
    <section>
      <ConfigPageHead
        title="Projects"
        actionLabel="New project"
        isAdmin={isAdmin}
        isEditing={editing !== null}
        error={config.error.value}
        onAction={() => setEditing({ project: null })}
      />
      {editing && (
        <ProjectForm
          key={editing.project?.id ?? "new"}
          project={editing.project}
          onDone={() => setEditing(null)}
        />
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Projects table">
        <table class="config" aria-busy={config.isLoading.value}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Scope</th>
              <th class="num">Cap</th>
              <th>Tags</th>
              <th class="num">Repos</th>
              <th class="num">Pools</th>
              <th>State</th>
              {isAdmin && <th />}
            </tr>
          </thead>
          <tbody>
            {config.projects.value.map((project) => (
              <tr key={project.id} data-project={project.name}>
                <td>{project.name}</td>
                <td>
                  {project.scope.kind === "org"
                    ? (
                      <span>
                        every repo of <b class="mono">{project.scope.org}</b>
                        {", "}
                        <span data-runner-group={project.scope.runnerGroupId ?? 1}>
                          {project.scope.runnerGroupId === undefined
                            ? <span class="muted">runner group Default (1)</span>
                            : <>runner group {project.scope.runnerGroupId}</>}
                        </span>
                      </span>
                    )
                    : <span class="muted">bound repos</span>}
                </td>
                <td class="num">{project.cap === 0 ? "none" : project.cap}</td>
                <td>
                  <TagList tags={project.tags} />
                </td>
                <td class="num">{project.repoCount}</td>
                <td class="num">{project.poolCount}</td>
                <td>
                  {project.isDisabled
                    ? <span class="badge badge-bad">disabled</span>
                    : <span class="badge badge-good">enabled</span>}
                </td>
                {isAdmin && (
                  <td class="actions">
                    <button
                      type="button"
                      class="button secondary small"
                      onClick={() => setEditing({ project })}
                    >
                      Edit
                    </button>
                    <DeleteButton
                      onConfirm={() =>
                        void config.deleteProject(project.id)}
                    />
                  </td>
                )}
              </tr>
            ))}
            {config.projects.value.length === 0 && !config.isLoading.value && (
              <tr>
                <td colSpan={8} class="empty">No projects yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ProjectForm(props: { project: ProjectView | null; onDone: () => void }) {
  // Escape closes the form and gives focus back to the button that opened it.
  const dialog = useDialogFocus<HTMLFormElement>(props.onDone);
  const { config } = useConsole();
  const project = props.project;
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [scope, setScope] = useState(project?.scope.kind ?? "repos");

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const text = (name: string) => String(form.get(name) ?? "");
    const tags = tagsOf(text("tags"));
    const group = scope === "org" ? runnerGroupOfInput(element) : null;
    if (!tags.ok || (group && !group.ok)) {
      const fields: Record<string, string> = {};
      if (!tags.ok) fields.tags = tags.message;
      if (group && !group.ok) fields.runnerGroupId = group.message;
      setErrors({ message: "fix the fields marked below", fields });
      return;
    }
    const result = await config.saveProject(project?.id ?? null, {
      name: text("name"),
      cap: numberOf(text("cap"), 0),
      tags: tags.tags,
      isDisabled: form.get("isDisabled") === "on",
      scope: scope === "org"
        ? {
          kind: "org",
          org: text("org"),
          ...(group?.runnerGroupId === undefined ? {} : { runnerGroupId: group.runnerGroupId }),
        }
        : { kind: "repos" },
    });
    if (result.ok) props.onDone();
    else setErrors(result.errors);
  };

  // The API names scope problems as "org: …" or "runnerGroupId: …"; each goes under its input.
  const scopeError = errors.fields.scope;
  const isGroupError = scopeError?.startsWith(RUNNER_GROUP_PREFIX) ?? false;
  const orgError = isGroupError ? undefined : scopeError;
  const groupError = errors.fields.runnerGroupId ??
    (isGroupError ? scopeError?.slice(RUNNER_GROUP_PREFIX.length) : undefined);
  return (
    <form
      class="card edit-form"
      onSubmit={onSubmit}
      aria-label="Project"
      noValidate
      ref={dialog.ref}
      onKeyDown={dialog.onKeyDown}
    >
      <h2>{project ? `Edit project ${project.name}` : "New project"}</h2>
      <FormMessage errors={errors} />
      <div class="form-grid">
        <Field label="Name" name="name" errors={errors} hint="becomes a runner label">
          <input name="name" defaultValue={project?.name ?? ""} />
        </Field>
        <Field label="Concurrency cap" name="cap" errors={errors} hint="0 = no cap">
          <input name="cap" type="number" min={0} defaultValue={String(project?.cap ?? 0)} />
        </Field>
        <Field
          label="Tags"
          name="tags"
          errors={errors}
          hint="key=value per line; pools and repos override"
          class="wide"
        >
          <textarea name="tags" rows={3} defaultValue={tagsText(project?.tags ?? {})} />
        </Field>
        <fieldset class="scope">
          <legend>Scope</legend>
          <label class="check">
            <input
              type="radio"
              name="scopeKind"
              checked={scope === "repos"}
              onChange={() => setScope("repos")}
            />
            Repo bindings only
          </label>
          <label class="check">
            <input
              type="radio"
              name="scopeKind"
              checked={scope === "org"}
              onChange={() => setScope("org")}
            />
            Every repo of an org
          </label>
          {scope === "org" && (
            <Field
              label="Org"
              name="org"
              errors={{ message: null, fields: orgError ? { org: orgError } : {} }}
            >
              <input
                name="org"
                placeholder="octo-org"
                defaultValue={project?.scope.kind === "org" ? project.scope.org : ""}
              />
            </Field>
          )}
          {scope === "org" && (
            <Field
              label="Runner group id"
              name="runnerGroupId"
              hint={RUNNER_GROUP_HINT}
              errors={{ message: null, fields: groupError ? { runnerGroupId: groupError } : {} }}
            >
              <input
                name="runnerGroupId"
                type="number"
                min={1}
                step={1}
                placeholder="Default (1)"
                defaultValue={project?.scope.kind === "org"
                  ? String(project.scope.runnerGroupId ?? "")
                  : ""}
              />
            </Field>
          )}
        </fieldset>
        <Check
          label="Disabled (new jobs are dropped)"
          name="isDisabled"
          checked={!!project?.isDisabled}
        />
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary">{project ? "Save" : "Create"}</button>
        <button type="button" class="button secondary" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}

/**
 * The form's runner group id. A number input reports "" for text it cannot
 * read (e.g. "1e"), which is not "empty", so that is refused too.
 */
function runnerGroupOfInput(form: HTMLFormElement) {
  const input = form.elements.namedItem("runnerGroupId");
  if (!(input instanceof HTMLInputElement)) return runnerGroupIdOf("");
  if (input.validity.badInput) return { ok: false as const, message: RUNNER_GROUP_ID_PROBLEM };
  return runnerGroupIdOf(input.value);
}
