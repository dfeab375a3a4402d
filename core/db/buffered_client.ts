/**
 * A libSQL `Client` that keeps the core working while libSQL is unreachable.
 *
 * Online, every call goes to libSQL; writes are copied to a local mirror.
 * When a call fails because libSQL cannot be reached, the client goes offline:
 * writes are applied to the mirror and queued in the local outbox, and reads
 * answer from the mirror, which holds what the core wrote. A background loop
 * replays the outbox in order once libSQL answers again, then goes online.
 *
 * Replaying is safe because every write the core makes is idempotent (insert
 * or ignore, `UPDATE … WHERE state = <from>`): a write that reached libSQL
 * just before the connection dropped, and is replayed, changes nothing.
 * Interactive transactions are not buffered (the core does not use them).
 */
import type {
  Client,
  InArgs,
  InStatement,
  Replicated,
  ResultSet,
  Transaction,
  TransactionMode,
} from "@libsql/client";
import type { Logger } from "../log.ts";
import { migrate } from "./migrate.ts";
import { Outbox, replaceTableStatements, type Statement } from "./outbox.ts";
import { DatabaseTimeoutError, isUnreachable } from "./unreachable.ts";

export interface BufferedClientOptions {
  remote: Client;
  /** The local libSQL file (created if missing). */
  bufferPath: string;
  log: Logger;
  /** A libSQL call without an answer after this long counts as unreachable. */
  timeoutMs: number;
  /** How often to retry libSQL while offline. */
  retryMs: number;
  /** How often to refresh the mirror from libSQL while online. */
  refreshMs?: number;
  now?: () => number;
  /**
   * Opens the local libSQL file; default the embedded engine (`file:`). Tests
   * open it through a libSQL server process instead, to keep the native
   * engine out of the test runner (docs/testing.md).
   */
  openLocal?: (path: string) => Promise<Client>;
}

/** Terminal jobs stay in the mirror this long, so a late event for one is recognised offline. */
const RECENT_JOBS_MS = 24 * 3600_000;

/** The rows the mirror copies from libSQL: config, recent or live jobs, live instances. */
const MIRRORED: { table: string; select: (now: number) => Statement }[] = [
  { table: "projects", select: () => ({ sql: "SELECT * FROM projects" }) },
  { table: "repos", select: () => ({ sql: "SELECT * FROM repos" }) },
  { table: "pools", select: () => ({ sql: "SELECT * FROM pools" }) },
  {
    table: "jobs",
    select: (now) => ({
      sql: `SELECT * FROM jobs WHERE updated_at >= ? OR state NOT IN
              ('completed', 'failed', 'cancelled', 'dropped')`,
      args: [now - RECENT_JOBS_MS],
    }),
  },
  {
    table: "instances",
    select: () => ({ sql: "SELECT * FROM instances WHERE terminated_at IS NULL" }),
  },
];
/** Append-only tables the mirror only receives writes for; emptied on refresh. */
const WRITE_ONLY = ["job_transitions", "audit_events"];

function isRead(statement: Statement): boolean {
  return /^\s*(SELECT|PRAGMA\s+\w+\s*$|EXPLAIN)\b/i.test(statement.sql) &&
    !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(statement.sql);
}

function toStatement(stmt: InStatement | [string, InArgs?], args?: InArgs): Statement {
  if (typeof stmt === "string") return args === undefined ? { sql: stmt } : { sql: stmt, args };
  if (Array.isArray(stmt)) {
    return stmt[1] === undefined ? { sql: stmt[0] } : { sql: stmt[0], args: stmt[1] };
  }
  return stmt;
}

export class BufferedClient implements Client {
  readonly #remote: Client;
  readonly #outbox: Outbox;
  readonly #options: BufferedClientOptions;
  readonly #now: () => number;
  #isOffline = false;
  #offlineSince = 0;
  #isRemoteMigrated = false;
  #inflightWrites = 0;
  #writesDrained?: () => void;
  #exclusive?: Promise<void>;
  #timer?: ReturnType<typeof setInterval>;
  #lastRefresh = 0;
  #flushing?: Promise<void>;
  closed = false;

  private constructor(remote: Client, outbox: Outbox, options: BufferedClientOptions) {
    this.#remote = remote;
    this.#outbox = outbox;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Opens the buffer file and, if libSQL answers, migrates it and replays
   * anything a previous run left buffered. If libSQL does not answer, starts
   * offline on the mirror the previous run left.
   */
  static async open(options: BufferedClientOptions): Promise<BufferedClient> {
    const outbox = await Outbox.open(options.bufferPath, options.openLocal);
    const client = new BufferedClient(options.remote, outbox, options);
    const pending = await outbox.size();
    try {
      await client.#ensureRemoteMigrated();
      if (pending > 0) {
        client.#goOffline(new Error(`${pending} write(s) buffered by a previous run`));
        await client.flush();
      }
    } catch (error) {
      if (!isUnreachable(error)) {
        client.close();
        throw error;
      }
      client.#goOffline(error);
    }
    client.#timer = setInterval(() => client.#tick(), options.retryMs);
    return client;
  }

  get protocol(): string {
    return this.#remote.protocol;
  }

  /** Whether writes are going to the local buffer right now. */
  get isOffline(): boolean {
    return this.#isOffline;
  }

  /** Writes waiting for libSQL. */
  pending(): Promise<number> {
    return this.#outbox.size();
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmt: InStatement | string, args?: InArgs): Promise<ResultSet> {
    const statement = toStatement(stmt, args);
    if (isRead(statement)) return await this.#read((c) => c.execute(statement));
    return (await this.#write([statement], "write"))[0];
  }

  async batch(
    stmts: Array<InStatement | [string, InArgs?]>,
    mode: TransactionMode = "deferred",
  ): Promise<ResultSet[]> {
    const statements = stmts.map((s) => toStatement(s));
    if (mode === "read" || statements.every(isRead)) {
      return await this.#read((c) => c.batch(statements, mode));
    }
    return await this.#write(statements, mode);
  }

  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#remote.migrate(stmts);
  }

  transaction(mode?: TransactionMode): Promise<Transaction> {
    return this.#remote.transaction(mode);
  }

  executeMultiple(sql: string): Promise<void> {
    return this.#remote.executeMultiple(sql);
  }

  sync(): Promise<Replicated> {
    return this.#remote.sync();
  }

  reconnect(): void {
    this.#remote.reconnect();
  }

  /** Stops retrying and closes both databases; buffered writes stay in the file for the next run. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.#timer);
    this.#remote.close();
    this.#outbox.close();
  }

  /** Closes once a flush in progress has settled. */
  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing?.catch(() => {});
    this.close();
  }

  /** Copies libSQL's current rows into the mirror (only when nothing is buffered). */
  async refreshMirror(): Promise<void> {
    await this.#exclusively(async () => {
      if (this.#isOffline) return;
      const now = this.#now();
      const copies = await this.#timed(
        this.#remote.batch(MIRRORED.map((m) => m.select(now)), "read"),
      );
      await this.#outbox.local.batch([
        ...WRITE_ONLY.map((table) => ({ sql: `DELETE FROM ${table}` })),
        ...MIRRORED.toReversed().map((m) => ({ sql: `DELETE FROM ${m.table}` })),
        ...MIRRORED.flatMap((m, i) => replaceTableStatements(m.table, copies[i]).slice(1)),
      ], "write");
      this.#lastRefresh = now;
    });
  }

  /** Replays buffered writes in order; resolves online, or throws if libSQL is still unreachable. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => this.#flushing = undefined);
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    await this.#ensureRemoteMigrated();
    let replayed = 0;
    while (!this.closed) {
      const writes = await this.#outbox.peek(100);
      if (writes.length === 0) {
        // An outage seen by a read leaves nothing to replay: an empty outbox is no proof that
        // libSQL answers again, so ask it before going online.
        if (replayed === 0) await this.#timed(this.#remote.execute("SELECT 1"));
        // Go online only when no write can slip into the outbox between the check and the switch.
        const isDone = await this.#exclusively(async () => {
          if (await this.#outbox.size() > 0) return false;
          this.#isOffline = false;
          return true;
        });
        if (!isDone) continue;
        this.#options.log.info("libSQL reachable again; buffered writes replayed", {
          writes: replayed,
          offlineMs: this.#now() - this.#offlineSince,
        });
        await this.refreshMirror().catch((error) =>
          this.#options.log.warn("mirror refresh failed", { error })
        );
        return;
      }
      for (const write of writes) {
        try {
          await this.#timed(this.#remote.batch(write.statements, write.mode));
        } catch (error) {
          if (isUnreachable(error)) throw error;
          this.#options.log.error("libSQL refused a buffered write; set aside", {
            seq: write.seq,
            statements: write.statements.map((s) => s.sql.slice(0, 120)),
            error,
          });
          await this.#outbox.setAside(write.seq, String((error as Error).message ?? error));
          continue;
        }
        await this.#outbox.remove(write.seq);
        replayed += 1;
      }
    }
  }

  #tick(): void {
    if (this.closed) return;
    if (this.#isOffline) {
      this.flush().catch((error) => {
        if (!isUnreachable(error)) {
          this.#options.log.error("replaying buffered writes failed", { error });
        }
      });
    } else if (
      this.#options.refreshMs !== undefined &&
      this.#now() - this.#lastRefresh >= this.#options.refreshMs
    ) {
      this.#lastRefresh = this.#now();
      this.refreshMirror().catch((error) => {
        if (!isUnreachable(error)) this.#options.log.warn("mirror refresh failed", { error });
      });
    }
  }

  async #ensureRemoteMigrated(): Promise<void> {
    if (this.#isRemoteMigrated) return;
    const applied = await this.#timed(migrate(this.#remote));
    if (applied.length > 0) this.#options.log.info("database migrated", { applied });
    this.#isRemoteMigrated = true;
  }

  #goOffline(error: unknown): void {
    if (this.#isOffline) return;
    this.#isOffline = true;
    this.#offlineSince = this.#now();
    this.#options.log.warn("libSQL unreachable; buffering writes locally", {
      bufferPath: this.#options.bufferPath,
      error,
    });
  }

  async #read<T>(run: (client: Client) => Promise<T>): Promise<T> {
    if (!this.#isOffline) {
      try {
        return await this.#timed(run(this.#remote));
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        this.#goOffline(error);
      }
    }
    return await run(this.#outbox.local);
  }

  async #write(statements: Statement[], mode: TransactionMode): Promise<ResultSet[]> {
    while (this.#exclusive) await this.#exclusive;
    this.#inflightWrites += 1;
    try {
      if (!this.#isOffline) {
        try {
          const results = await this.#timed(this.#remote.batch(statements, mode));
          await this.#outbox.mirror(statements).catch((error) =>
            this.#options.log.debug("mirror lags libSQL", { error })
          );
          return results;
        } catch (error) {
          if (!isUnreachable(error)) throw error;
          this.#goOffline(error);
        }
      }
      return await this.#outbox.append(statements, mode, this.#now());
    } finally {
      this.#inflightWrites -= 1;
      if (this.#inflightWrites === 0) this.#writesDrained?.();
    }
  }

  /** Runs `work` with no write in flight and none starting. */
  async #exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#exclusive = promise;
    try {
      if (this.#inflightWrites > 0) {
        await new Promise<void>((drained) => this.#writesDrained = drained);
      }
      return await work();
    } finally {
      this.#writesDrained = undefined;
      this.#exclusive = undefined;
      resolve();
    }
  }

  async #timed<T>(call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DatabaseTimeoutError(`libSQL gave no answer in ${this.#options.timeoutMs} ms`),
          ),
        this.#options.timeoutMs,
      );
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
