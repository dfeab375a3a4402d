/**
 * The core's local libSQL file for outages. It holds two things:
 * - a mirror of the schema with the rows the core needs to keep working
 *   (projects, repos, pools, recent jobs, live instances), so reads during an
 *   outage answer with what the core itself wrote;
 * - the outbox: every write made while libSQL was unreachable, in order, to be
 *   replayed when it returns.
 * A buffered write lands in the mirror and the outbox in one local
 * transaction, so the two never disagree, even across a crash.
 */
import type { Client, InArgs, InValue, ResultSet, TransactionMode } from "@libsql/client";
import { openLibsqlClient } from "./libsql_client.ts";
import { migrate } from "./migrate.ts";

/** One SQL statement with its arguments (the object form of libSQL's `Statement`). */
export interface Statement {
  sql: string;
  args?: InArgs;
}

/** A write waiting for libSQL. */
export interface BufferedWrite {
  seq: number;
  statements: Statement[];
  mode: TransactionMode;
  queuedAt: number;
}

const OUTBOX_DDL = [
  `CREATE TABLE IF NOT EXISTS gantry_outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     statements TEXT NOT NULL,
     mode TEXT NOT NULL,
     queued_at INTEGER NOT NULL)`,
  // Writes libSQL refused outright (not an outage): kept for an operator, never retried.
  `CREATE TABLE IF NOT EXISTS gantry_outbox_refused (
     seq INTEGER PRIMARY KEY,
     statements TEXT NOT NULL,
     mode TEXT NOT NULL,
     queued_at INTEGER NOT NULL,
     error TEXT NOT NULL)`,
];

/**
 * The mirror serves the core's own reads, never the console's roll-ups: without
 * their triggers a mirrored write costs a quarter of the CPU. (libSQL's own
 * triggers still run when buffered writes are replayed there.)
 */
async function dropTriggers(local: Client): Promise<void> {
  const triggers = await local.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'");
  for (const row of triggers.rows) {
    await local.execute(`DROP TRIGGER IF EXISTS "${String(row.name).replaceAll('"', '""')}"`);
  }
}

export class Outbox {
  private constructor(readonly local: Client) {}

  /** Opens (creating if needed) the buffer file at `path`, with the current schema. */
  static async open(
    path: string,
    openLocal = (path: string) => openLibsqlClient({ url: `file:${path}` }),
  ): Promise<Outbox> {
    const local = await openLocal(path);
    try {
      await local.execute("PRAGMA journal_mode = WAL");
      await migrate(local);
      for (const sql of OUTBOX_DDL) await local.execute(sql);
      await dropTriggers(local);
      return new Outbox(local);
    } catch (error) {
      local.close();
      throw error;
    }
  }

  /**
   * Applies `statements` to the mirror and queues them for libSQL, atomically.
   * Returns the mirror's results, which stand in for libSQL's.
   */
  async append(statements: Statement[], mode: TransactionMode, at: number): Promise<ResultSet[]> {
    const results = await this.local.batch([
      ...statements,
      {
        sql: "INSERT INTO gantry_outbox (statements, mode, queued_at) VALUES (?, ?, ?)",
        args: [encodeStatements(statements), mode, at],
      },
    ], "write");
    return results.slice(0, -1);
  }

  /** Applies a write libSQL already has to the mirror (best effort: libSQL is the truth). */
  async mirror(statements: Statement[]): Promise<void> {
    await this.local.batch(statements, "write");
  }

  /** The oldest `limit` queued writes, oldest first. */
  async peek(limit: number): Promise<BufferedWrite[]> {
    const result = await this.local.execute({
      sql: "SELECT seq, statements, mode, queued_at FROM gantry_outbox ORDER BY seq LIMIT ?",
      args: [limit],
    });
    return result.rows.map((row) => ({
      seq: Number(row.seq),
      statements: decodeStatements(String(row.statements)),
      mode: String(row.mode) as TransactionMode,
      queuedAt: Number(row.queued_at),
    }));
  }

  async size(): Promise<number> {
    const result = await this.local.execute("SELECT count(*) AS n FROM gantry_outbox");
    return Number(result.rows[0].n);
  }

  /** Drops a write libSQL has applied. */
  async remove(seq: number): Promise<void> {
    await this.local.execute({ sql: "DELETE FROM gantry_outbox WHERE seq = ?", args: [seq] });
  }

  /** Moves a write libSQL refused (a constraint, a bad statement) out of the way. */
  async setAside(seq: number, error: string): Promise<void> {
    await this.local.batch([
      {
        sql: `INSERT OR REPLACE INTO gantry_outbox_refused (seq, statements, mode, queued_at, error)
              SELECT seq, statements, mode, queued_at, ? FROM gantry_outbox WHERE seq = ?`,
        args: [error, seq],
      },
      { sql: "DELETE FROM gantry_outbox WHERE seq = ?", args: [seq] },
    ], "write");
  }

  close(): void {
    if (!this.local.closed) this.local.close();
  }
}

/** Replaces the mirror's copy of `table` with `rows` (libSQL's copy). */
export function replaceTableStatements(table: string, rows: ResultSet): Statement[] {
  const statements: Statement[] = [{ sql: `DELETE FROM ${table}` }];
  if (rows.columns.length === 0) return statements;
  const columns = rows.columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ");
  const marks = rows.columns.map(() => "?").join(", ");
  for (const row of rows.rows) {
    statements.push({
      sql: `INSERT INTO ${table} (${columns}) VALUES (${marks})`,
      args: rows.columns.map((_, i) => row[i] as InValue),
    });
  }
  return statements;
}

/** Statement arguments as JSON, keeping the types JSON lacks (bigint, bytes, dates, booleans). */
export function encodeStatements(statements: Statement[]): string {
  return JSON.stringify(statements.map((s) => ({
    sql: s.sql,
    args: s.args === undefined
      ? undefined
      : Array.isArray(s.args)
      ? s.args.map(encodeValue)
      : Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, encodeValue(v as InValue)])),
  })));
}

export function decodeStatements(text: string): Statement[] {
  const raw = JSON.parse(text) as { sql: string; args?: unknown[] | Record<string, unknown> }[];
  return raw.map((s) => ({
    sql: s.sql,
    ...(s.args === undefined ? {} : {
      args: Array.isArray(s.args)
        ? s.args.map(decodeValue)
        : Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, decodeValue(v)])),
    }),
  }));
}

type Encoded = null | string | number | boolean | { $: "bigint" | "bytes" | "date"; v: string };

function encodeValue(value: InValue): Encoded {
  if (typeof value === "bigint") return { $: "bigint", v: value.toString() };
  if (value instanceof Date) return { $: "date", v: value.toISOString() };
  if (value instanceof ArrayBuffer) return encodeValue(new Uint8Array(value));
  if (value instanceof Uint8Array) {
    return { $: "bytes", v: btoa(String.fromCharCode(...value)) };
  }
  return value;
}

function decodeValue(value: unknown): InValue {
  if (value === null || typeof value !== "object") return value as InValue;
  const { $, v } = value as { $: string; v: string };
  if ($ === "bigint") return BigInt(v);
  if ($ === "date") return new Date(v);
  return Uint8Array.from(atob(v), (c) => c.charCodeAt(0));
}
