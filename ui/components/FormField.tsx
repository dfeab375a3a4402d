import { cloneElement, type VNode } from "preact";
import { useState } from "preact/hooks";
import type { FormErrors } from "../forms/form_errors.ts";

/**
 * A labelled control with the error for its field under it (from the browser
 * or the server). The control is named by `label` alone (hint and error are
 * its description), so "Project" never also matches "Cap override".
 */
export function Field(
  props: {
    label: string;
    name: string;
    errors: FormErrors;
    hint?: string;
    class?: string;
    children: VNode;
  },
) {
  const error = props.errors.fields[props.name];
  const control = cloneElement(props.children, {
    "aria-label": props.label,
    "aria-invalid": error ? "true" : undefined,
  });
  return (
    <div class={`field ${props.class ?? ""} ${error ? "has-error" : ""}`}>
      <label>
        <span>{props.label}</span>
        {control}
      </label>
      {props.hint && !error && <span class="field-hint">{props.hint}</span>}
      {error && <span class="field-error" data-error-for={props.name}>{error}</span>}
    </div>
  );
}

/** A checkbox with its label beside it. */
export function Check(props: { label: string; name: string; checked: boolean }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} defaultChecked={props.checked} />
      {props.label}
    </label>
  );
}

/** The form-level error: a conflict, a refusal, or "fix the fields marked below". */
export function FormMessage(props: { errors: FormErrors }) {
  if (!props.errors.message) return null;
  return <p class="form-error" data-testid="form-error">{props.errors.message}</p>;
}

/** A delete button that asks once more before it acts. */
export function DeleteButton(props: { label?: string; onConfirm: () => void }) {
  const [isArmed, setArmed] = useState(false);
  return isArmed
    ? (
      <span class="confirm">
        <button type="button" class="button danger small" onClick={props.onConfirm}>
          Confirm delete
        </button>
        <button type="button" class="button secondary small" onClick={() => setArmed(false)}>
          Keep
        </button>
      </span>
    )
    : (
      <button type="button" class="button secondary small" onClick={() => setArmed(true)}>
        {props.label ?? "Delete"}
      </button>
    );
}

/** Tags as `key=value` chips. */
export function TagList(props: { tags: Record<string, string> }) {
  const entries = Object.entries(props.tags);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {entries.map(([key, value]) => <span key={key} class="chip mono">{key}={value}</span>)}
    </span>
  );
}
