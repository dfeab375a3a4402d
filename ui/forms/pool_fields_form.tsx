/**
 * The pool form's controls, derived from `shared/pool_fields.ts`: each field
 * renders by its declared control, and a submitted form reads back into the
 * API body by the same table, so a new pool field needs no form code.
 *
 * @module
 */
import {
  type FormControl,
  POOL_FIELD_KEYS,
  POOL_FIELDS,
  type PoolFieldKey,
} from "../../shared/pool_fields.ts";
import { Check, Field } from "../components/FormField.tsx";
import { type FormErrors, listOf, numberOf, tagsOf, tagsText } from "./form_errors.ts";
import { scheduleOf, scheduleText } from "./schedule_text.ts";

type Draft = Partial<Record<PoolFieldKey, unknown>>;

const SCHEDULE_PLACEHOLDER =
  "time_zone: Europe/Berlin\nwindow: mon-fri 08:00-18:00\noff_hours_min: 0";

/**
 * The settings a submitted pool form holds, by API key, or the fields whose
 * text cannot even be read (a tag line without `=`).
 */
export function poolSettingsOfForm(
  form: FormData,
): { ok: true; settings: Record<string, unknown> } | { ok: false; fields: Record<string, string> } {
  const settings: Record<string, unknown> = {};
  const fields: Record<string, string> = {};
  for (const key of POOL_FIELD_KEYS) {
    const { form: control, default: fallback } = POOL_FIELDS[key];
    const text = String(form.get(key) ?? "");
    switch (control.kind) {
      case "text":
        settings[key] = fallback === null ? text.trim() || null : text;
        break;
      case "number":
        settings[key] = numberOf(text, fallback ?? null);
        break;
      case "lines":
      case "list":
        settings[key] = listOf(text);
        break;
      case "select":
        settings[key] = text;
        break;
      case "check":
        settings[key] = form.get(key) === "on";
        break;
      case "tags": {
        const tags = tagsOf(text);
        if (tags.ok) settings[key] = tags.tags;
        else fields[key] = tags.message;
        break;
      }
      case "schedule": {
        const schedule = scheduleOf(text);
        if (schedule.ok) settings[key] = schedule.schedule;
        else fields[key] = schedule.message;
      }
    }
  }
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, settings };
}

/** Every pool field's control but the checkboxes, in the table's order. */
export function PoolFieldControls(props: { draft: Draft; errors: FormErrors }) {
  return (
    <>
      {POOL_FIELD_KEYS.filter((key) => POOL_FIELDS[key].form.kind !== "check").map((key) => {
        const control: FormControl = POOL_FIELDS[key].form;
        return (
          <Field
            key={key}
            label={control.label}
            name={key}
            errors={props.errors}
            hint={"hint" in control ? control.hint : undefined}
          >
            {controlOf(key, control, props.draft[key] ?? POOL_FIELDS[key].default)}
          </Field>
        );
      })}
    </>
  );
}

/** The pool's checkboxes. */
export function PoolFieldChecks(props: { draft: Draft }) {
  return (
    <div class="checks">
      {POOL_FIELD_KEYS.filter((key) => POOL_FIELDS[key].form.kind === "check").map((key) => (
        <Check
          key={key}
          label={POOL_FIELDS[key].form.label}
          name={key}
          checked={Boolean(props.draft[key] ?? POOL_FIELDS[key].default)}
        />
      ))}
    </div>
  );
}

function controlOf(name: string, control: FormControl, value: unknown) {
  switch (control.kind) {
    case "text":
      return (
        <input name={name} placeholder={control.placeholder} defaultValue={String(value ?? "")} />
      );
    case "number":
      return (
        <input
          name={name}
          type="number"
          min={control.min}
          step={control.step}
          defaultValue={value === null || value === undefined ? "" : String(value)}
        />
      );
    case "lines":
      return (
        <textarea
          name={name}
          rows={3}
          defaultValue={((value ?? []) as string[]).join("\n")}
        />
      );
    case "list":
      return <input name={name} defaultValue={((value ?? []) as string[]).join(", ")} />;
    case "select":
      return (
        <select name={name}>
          {control.options.map((option) => (
            <option key={option} value={option} selected={option === value}>{option}</option>
          ))}
        </select>
      );
    case "tags":
      return (
        <textarea
          name={name}
          rows={3}
          defaultValue={tagsText((value ?? {}) as Record<string, string>)}
        />
      );
    case "schedule":
      return (
        <textarea
          name={name}
          rows={3}
          placeholder={SCHEDULE_PLACEHOLDER}
          defaultValue={scheduleText(value as Parameters<typeof scheduleText>[0])}
        />
      );
    case "check":
      return <input type="checkbox" name={name} defaultChecked={Boolean(value)} />;
  }
}
