import type { z } from "zod";
import { InvalidError } from "../shared/errors.ts";

/** Turns zod issues into an InvalidError that names every bad field by path. */
export function invalidFrom(error: z.ZodError, what: string): InvalidError {
  const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const summary = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
  return new InvalidError(`invalid ${what}: ${summary}`, { issues });
}

/** Parses a JSON request body with `schema`, or throws an InvalidError naming every problem. */
export async function parseBody<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<z.infer<T>> {
  let json: unknown;
  try {
    json = await request.json();
  } catch (cause) {
    throw new InvalidError("body is not valid JSON", { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidFrom(parsed.error, "request body");
  return parsed.data;
}

/** Parses query parameters with `schema`. */
export function parseQuery<T extends z.ZodType>(url: string, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw invalidFrom(parsed.error, "query");
  return parsed.data;
}
