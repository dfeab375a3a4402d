/**
 * Turns zod failures into the `{ path, message }` issues every Gantry
 * boundary answers with: one issue per problem, the path dot-joined
 * (`projects.0.pools.1.name`), the message short and free of the input value.
 *
 * @module
 */

import { z } from "zod";
import { InvalidError } from "../errors.ts";

/** One problem with an input, by key path. */
export interface Issue {
  path: string;
  message: string;
}

/** Path segments dot-joined; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path.map((segment) => String(segment)).join(".");
}

/**
 * Error map for `schema.safeParse(input, { error: issueMessage })`: a missing
 * key reads "required", a wrong type "expected number, received string".
 * Other issues keep zod's own messages, or a schema's custom one.
 */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== "invalid_type") return undefined;
  if (issue.input === undefined) return `required (expected ${issue.expected})`;
  return `expected ${issue.expected}, received ${typeName(issue.input)}`;
};

/** Every issue in a zod error, each unknown key as its own issue. */
export function issuesOf(error: z.ZodError): Issue[] {
  const issues: Issue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ path: formatPath([...issue.path, key]), message: "unknown key" });
      }
      continue;
    }
    issues.push({ path: formatPath(issue.path), message: stripPrefix(issue.message) });
  }
  return issues;
}

/**
 * Parses `input` with `schema`, or throws an {@link InvalidError} whose
 * message names `options.what` (e.g. "workflow_job event") and whose issues
 * list every problem by path.
 */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  input: unknown,
  options: { what: string },
): z.output<T> {
  const result = schema.safeParse(input, { error: issueMessage });
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const summary = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ");
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  throw new InvalidError(`invalid ${options.what}: ${summary}${more}`, {
    cause: result.error,
    issues,
  });
}

function stripPrefix(message: string): string {
  return message.replace(/^(Invalid (input|option|string|number)|Too big|Too small): /, "");
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}
