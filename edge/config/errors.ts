/**
 * A unique index that a racing request won answers 409, not 500. (A body that
 * names something missing is the shared `UnprocessableError`, 422.)
 */
import { ConflictError } from "../../shared/errors.ts";

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
