/**
 * Form errors: the same zod schema the API validates with runs in the
 * browser first, and the server's answer (its issues by path, or its
 * message) lands next to the same fields.
 *
 * @module
 */
import type { z } from "zod";
import { ApiError } from "../api/client.ts";

/** Errors to show: one per field (by the path's first segment) and one for the form. */
export interface FormErrors {
  /** Shown at the top of the form: a conflict, a refusal, or a problem with no field. */
  message: string | null;
  /** Field name → message; a nested path keeps its tail, e.g. `gantry:job: reserved`. */
  fields: Record<string, string>;
}

/** No errors. */
export const NO_ERRORS: FormErrors = { message: null, fields: {} };

/** The outcome of a save: done, or what to show. */
export type SaveResult = { ok: true } | { ok: false; errors: FormErrors };

/** Errors for `issues` (`{ path: "tags.gantry:job", message }`), first one per field kept. */
export function errorsOfIssues(
  issues: readonly { path: string; message: string }[],
  message: string | null = null,
): FormErrors {
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const issue of issues) {
    const [field, ...rest] = issue.path.split(".");
    if (!field || field === "(root)") {
      unplaced.push(issue.message);
      continue;
    }
    fields[field] ??= rest.length > 0 ? `${rest.join(".")}: ${issue.message}` : issue.message;
  }
  return { message: unplaced.length > 0 ? unplaced.join("; ") : message, fields };
}

/** Parses `raw` with `schema` in the browser, as the edge will. */
export function validate<T extends z.ZodType>(
  schema: T,
  raw: unknown,
): { ok: true; value: z.infer<T> } | { ok: false; errors: FormErrors } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    errors: errorsOfIssues(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      })),
      "fix the fields marked below",
    ),
  };
}

/** What to show for a failed API call: its issues by field, else its message. */
export function errorsOfFailure(error: unknown): FormErrors {
  if (error instanceof ApiError) {
    if (error.issues.length > 0) return errorsOfIssues(error.issues, error.message);
    return { message: error.message, fields: {} };
  }
  return { message: error instanceof Error ? error.message : String(error), fields: {} };
}

/** `key=value` lines → tags; a line without `=` is reported as the field's problem. */
export function tagsOf(text: string): { ok: true; tags: Record<string, string> } | {
  ok: false;
  message: string;
} {
  const tags: Record<string, string> = {};
  for (const [index, line] of text.split("\n").entries()) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf("=");
    if (at <= 0) return { ok: false, message: `line ${index + 1}: expected key=value` };
    tags[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim();
  }
  return { ok: true, tags };
}

/** Tags as the `key=value` lines the form edits. */
export function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags).map(([key, value]) => `${key}=${value}`).join("\n");
}

/** A list typed as words separated by commas, spaces or lines; order kept, blanks dropped. */
export function listOf(text: string): string[] {
  return text.split(/[\s,]+/).map((item) => item.trim()).filter((item) => item !== "");
}

/** A number field: blank is `blank`, anything else a number (NaN lets the schema say why). */
export function numberOf<T>(text: string, blank: T): number | T {
  return text.trim() === "" ? blank : Number(text);
}
