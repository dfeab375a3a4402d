/**
 * libSQL that cannot be reached is a 503 with a reason, never a 500: every
 * call the console makes through the client is wrapped, and any failure that
 * is not the database refusing a statement (an `SQLITE_*` code) becomes a
 * {@link DatabaseUnavailableError}. Wrapping the client, not classifying in
 * `onError`, keeps an ordinary bug (a TypeError in a handler) a 500.
 */
import type { Client, Transaction } from "@libsql/client/web";
import { GantryError } from "../../shared/errors.ts";

/** libSQL did not answer, or refused the connection (HTTP 503). */
export class DatabaseUnavailableError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("database_unavailable", message, options);
  }
}

/** Whether the database answered and refused the statement itself (a bug or a conflict). */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_");
}

/** A short, secret-free label: the error's name, code and (for HTTP answers) status. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 120);
  const code = (error as { code?: unknown }).code;
  const status = /HTTP status (\d{3})/.exec(error.message)?.[1];
  if (typeof code === "string") return status ? `${code}, HTTP ${status}` : code;
  return `${error.name}: ${error.message.slice(0, 120)}`;
}

function translated(error: unknown, where: string): unknown {
  if (error instanceof DatabaseUnavailableError || isStatementError(error)) return error;
  return new DatabaseUnavailableError(
    `the console's database (libSQL at ${where}) is unavailable (${reasonOf(error)}); ` +
      "check that it is running and that LIBSQL_URL and LIBSQL_AUTH_TOKEN are right",
    { cause: error },
  );
}

const GUARDED = new Set(["execute", "batch", "executeMultiple", "migrate", "commit", "rollback"]);

/** `client` with every database call translating transport failures. */
export function guardedClient<T extends Client | Transaction>(client: T, url: string): T {
  // Only the origin: a libsql URL may carry `?authToken=…`.
  const where = originOf(url);
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "transaction") {
        return async (...args: unknown[]) => {
          try {
            const transaction = await (value as (...a: unknown[]) => Promise<Transaction>)
              .apply(target, args);
            return guardedClient(transaction, url);
          } catch (error) {
            throw translated(error, where);
          }
        };
      }
      if (!GUARDED.has(String(property))) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          throw translated(error, where);
        }
      };
    },
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch (_unparsable) {
    return "an unparsable LIBSQL_URL";
  }
}

/** The {@link DatabaseUnavailableError} in `error`'s cause chain (drizzle wraps it), if any. */
export function databaseUnavailableIn(error: unknown): DatabaseUnavailableError | null {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof DatabaseUnavailableError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
