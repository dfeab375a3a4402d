/**
 * Errors of the configuration API beyond the shared set: a body that is
 * well-formed but names something that does not exist answers 422, and a
 * unique index that a racing request won answers 409.
 */
import type { Context } from "hono";
import { ConflictError, GantryError } from "../../shared/errors.ts";
import type { AppEnv } from "../env.ts";
import { errorResponse } from "../errors.ts";

/** Valid JSON that refers to something missing, e.g. a pool's unknown project (HTTP 422). */
export class UnprocessableError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unprocessable", message, options);
  }
}

/** The configuration routes' error answers: 422 here, everything else as the edge maps it. */
export function configErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  if (error instanceof UnprocessableError) {
    return c.json({ error: { code: error.code, message: error.message } }, 422);
  }
  return errorResponse(c, error);
}

/** Runs `write`; a UNIQUE constraint it trips becomes a ConflictError saying `message`. */
export async function conflictOnUnique<T>(write: () => Promise<T>, message: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(message, { cause: error });
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}
