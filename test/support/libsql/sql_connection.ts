/**
 * One libSQL connection behind one Hrana stream: runs statements, batches and
 * sequences with the real libSQL engine (the `libsql` npm binding) and turns
 * the outcomes into Hrana results.
 *
 * Each stream owns its own connection, as in sqld, so an interactive
 * transaction holds its lock across HTTP requests. The binding has no async
 * busy handler and a blocking one would stall the whole server (the lock
 * holder could never commit), so a statement that meets a locked database is
 * retried on a timer for up to {@link BUSY_RETRY_MS}.
 *
 * @module
 */
import Database from "libsql";
import type {
  HranaBatch,
  HranaBatchCond,
  HranaBatchResult,
  HranaDescribeResult,
  HranaError,
  HranaStmt,
  HranaStmtResult,
} from "./hrana_protocol.ts";
import { HranaRequestError } from "./hrana_protocol.ts";
import { type SqlValue, valueFromHrana, valueToHrana } from "./hrana_value.ts";
import { scanSql, type SqlScan } from "./sql_scan.ts";

/** How long a statement keeps retrying, by default, while another stream holds the write lock. */
export const BUSY_RETRY_MS = 5_000;

type Statement = Database.Statement;

/** Codes that mean "another connection holds the lock; try again later". */
const RETRYABLE = new Set(["SQLITE_BUSY", "SQLITE_BUSY_RECOVERY", "SQLITE_LOCKED"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Wrap an engine error as a Hrana error result, keeping the SQLite code. */
function toRequestError(error: unknown): HranaRequestError {
  if (error instanceof HranaRequestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HranaRequestError(codeOf(error) ?? "SQLITE_ERROR", `SQLite error: ${message}`, {
    cause: error,
  });
}

/** Hrana's error object for a failed request or batch step. */
export function hranaErrorOf(error: unknown): HranaError {
  const requestError = toRequestError(error);
  return { message: requestError.message, code: requestError.code };
}

/** Values for `sqlite3_bind_*` by position, with named arguments resolved to their index. */
function bindValues(stmt: HranaStmt, scan: SqlScan): SqlValue[] {
  const positional = (stmt.args ?? []).map(valueFromHrana);
  const named = stmt.named_args ?? [];
  if (named.length === 0) return positional;
  const values: SqlValue[] = Array.from(
    { length: Math.max(scan.parameterCount, positional.length) },
    (_, i) => positional[i] ?? null,
  );
  const byName = new Map(named.map((arg) => [arg.name, valueFromHrana(arg.value)]));
  for (const parameter of scan.parameters) {
    if (parameter.name === null) continue;
    // Clients send names with or without the prefix (`:id` or `id`); sqld accepts both.
    const key = byName.has(parameter.name) ? parameter.name : parameter.name.slice(1);
    if (byName.has(key)) values[parameter.index - 1] = byName.get(key) as SqlValue;
  }
  return values;
}

function checkStatementCount(scan: SqlScan): void {
  if (scan.statementCount === 0) {
    throw new HranaRequestError("SQL_NO_STATEMENT", "SQL string does not contain any statement");
  }
  // A trigger body holds `;` of its own, so only plain text is held to one statement.
  if (scan.statementCount > 1 && !scan.mentionsTrigger) {
    throw new HranaRequestError(
      "SQL_MANY_STATEMENTS",
      "SQL string contains more than one statement",
    );
  }
}

/** A connection to the database file, owned by one Hrana stream. */
export class SqlConnection {
  readonly #path: string;
  readonly #busyRetryMs: number;
  readonly #sqlTexts = new Map<number, string>();
  #db: Database.Database;
  #status: Statement;
  #isClosed = false;

  /** Open a connection to the database file at `path`. */
  constructor(path: string, options: { busyRetryMs?: number } = {}) {
    this.#path = path;
    this.#busyRetryMs = options.busyRetryMs ?? BUSY_RETRY_MS;
    this.#db = new Database(path);
    this.#status = this.#prepareStatus();
  }

  /** True outside an explicit transaction. */
  get isAutocommit(): boolean {
    return !this.#db.inTransaction;
  }

  /** Remember `sql` under `id` for later statements on this stream. */
  storeSql(id: number, sql: string): void {
    if (this.#sqlTexts.has(id)) {
      throw new HranaRequestError("SQL_STORE_DUPLICATE", `SQL text ${id} is already stored`);
    }
    this.#sqlTexts.set(id, sql);
  }

  /** Forget a stored SQL text. */
  closeSql(id: number): void {
    this.#sqlTexts.delete(id);
  }

  /** Resolve a request's `sql` / `sql_id` pair to SQL text. */
  sqlOf(ref: { sql?: string | null; sql_id?: number | null }): string {
    const hasSql = ref.sql !== undefined && ref.sql !== null;
    const hasId = ref.sql_id !== undefined && ref.sql_id !== null;
    if (hasSql === hasId) {
      throw new HranaRequestError("SQL_REF_INVALID", "Exactly one of sql and sql_id must be given");
    }
    if (hasSql) return ref.sql as string;
    const sql = this.#sqlTexts.get(ref.sql_id as number);
    if (sql === undefined) {
      throw new HranaRequestError("SQL_NOT_FOUND", `SQL text ${ref.sql_id} is not stored`);
    }
    return sql;
  }

  /** Run one statement. Throws {@link HranaRequestError} when it fails. */
  async execute(stmt: HranaStmt): Promise<HranaStmtResult> {
    if (this.#isClosed) throw new HranaRequestError("STREAM_CLOSED", "The stream is closed");
    const sql = this.sqlOf(stmt);
    const scan = scanSql(sql);
    checkStatementCount(scan);
    const values = bindValues(stmt, scan);
    const startedAt = performance.now();
    const statement = await this.#retryWhileBusy(() => this.#db.prepare(sql));
    statement.safeIntegers(true);
    const isReader = statement.reader;
    if (isReader) statement.raw(true);
    const [totalBefore] = this.#status.get() as [bigint];
    // A statement stopped by SQLITE_BUSY stays active until it is stepped again, and a
    // fresh statement would run inside its hidden transaction; so retry this very one.
    const rows = await this.#retryWhileBusy(() => {
      if (isReader) return statement.all(values) as unknown[][];
      statement.run(values);
      return [];
    });
    const [totalAfter, changes, lastInsertRowid] = this.#status.get() as [bigint, bigint, bigint];
    // changes() keeps the count of the last INSERT/UPDATE/DELETE, so a SELECT or DDL
    // would report a stale number; total_changes() tells whether this statement wrote.
    const affected = totalAfter === totalBefore ? 0 : Number(changes);
    return {
      cols: isReader
        ? statement.columns().map((col) => ({ name: col.name, decltype: col.type }))
        : [],
      rows: (stmt.want_rows ?? true) ? rows.map((row) => row.map(valueToHrana)) : [],
      affected_row_count: affected,
      last_insert_rowid: lastInsertRowid.toString(),
      rows_read: rows.length,
      rows_written: affected,
      query_duration_ms: performance.now() - startedAt,
    };
  }

  /** Run the steps of a batch in order, each when its condition holds. */
  async batch(batch: HranaBatch): Promise<HranaBatchResult> {
    const result: HranaBatchResult = { step_results: [], step_errors: [] };
    for (const [index, step] of batch.steps.entries()) {
      const shouldRun = step.condition === undefined || step.condition === null ||
        this.#holds(step.condition, index, result);
      result.step_results.push(null);
      result.step_errors.push(null);
      if (!shouldRun) continue;
      try {
        result.step_results[index] = await this.execute(step.stmt);
      } catch (error) {
        result.step_errors[index] = hranaErrorOf(error);
      }
    }
    return result;
  }

  /** Run a text of several statements, returning no rows. */
  sequence(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw toRequestError(error);
    }
  }

  /** The parameters and columns of a statement, without running it. */
  describe(sql: string): HranaDescribeResult {
    const scan = scanSql(sql);
    checkStatementCount(scan);
    let statement: Statement;
    try {
      statement = this.#db.prepare(sql);
    } catch (error) {
      throw toRequestError(error);
    }
    const keyword = /^\s*(\w+)/.exec(sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ""))?.[1]
      ?.toUpperCase();
    return {
      params: scan.parameters.map((parameter) => ({ name: parameter.name })),
      cols: statement.reader
        ? statement.columns().map((col) => ({ name: col.name, decltype: col.type }))
        : [],
      is_explain: keyword === "EXPLAIN",
      // The binding does not expose sqlite3_stmt_readonly; the leading keyword is close enough here.
      is_readonly: keyword === "SELECT" || keyword === "VALUES" || keyword === "EXPLAIN",
    };
  }

  /** Close the connection; an open transaction rolls back. Safe to call twice. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#db.close();
  }

  #prepareStatus(): Statement {
    const status = this.#db.prepare("SELECT total_changes(), changes(), last_insert_rowid()");
    return status.safeIntegers(true).raw(true);
  }

  /** Replace the connection with a fresh one; an open transaction is lost. */
  #reopen(): void {
    this.#db.close();
    this.#db = new Database(this.#path);
    this.#status = this.#prepareStatus();
  }

  #holds(cond: HranaBatchCond, index: number, result: HranaBatchResult): boolean {
    switch (cond.type) {
      case "ok":
      case "error": {
        if (cond.step >= index) {
          throw new HranaRequestError(
            "BATCH_COND_INVALID",
            `Step ${index} has a condition on step ${cond.step}, which has not run yet`,
          );
        }
        return cond.type === "ok"
          ? result.step_results[cond.step] !== null
          : result.step_errors[cond.step] !== null;
      }
      case "not":
        return !this.#holds(cond.cond, index, result);
      case "and":
        return cond.conds.every((inner) => this.#holds(inner, index, result));
      case "or":
        return cond.conds.some((inner) => this.#holds(inner, index, result));
      case "is_autocommit":
        return this.isAutocommit;
    }
  }

  async #retryWhileBusy<T>(run: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyRetryMs;
    for (let attempt = 0;; attempt++) {
      try {
        return run();
      } catch (error) {
        const code = codeOf(error);
        if (code === undefined || !RETRYABLE.has(code)) throw toRequestError(error);
        if (Date.now() >= deadline) {
          // The stopped statement would hold the connection in a hidden transaction.
          this.#reopen();
          throw toRequestError(error);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 50)));
      }
    }
  }
}
