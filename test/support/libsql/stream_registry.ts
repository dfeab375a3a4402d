/**
 * Hrana streams between HTTP requests. A stream is one {@link SqlConnection}
 * parked under a baton; each response hands out a fresh baton and the old one
 * stops working, as in sqld. A stream nobody touches for `idleMs` is closed,
 * which rolls back any transaction it left open.
 *
 * @module
 */
import { SqlConnection } from "./sql_connection.ts";

interface ParkedStream {
  connection: SqlConnection;
  timer: ReturnType<typeof setTimeout>;
}

/** Why a baton could not be turned back into a stream. */
export class StreamNotFoundError extends Error {
  readonly code = "STREAM_EXPIRED";
  constructor() {
    super("The stream for this baton has expired or was closed; open a new stream");
    this.name = "StreamNotFoundError";
  }
}

/** The parked streams of one server. */
export class StreamRegistry {
  readonly #parked = new Map<string, ParkedStream>();
  readonly #open = new Set<SqlConnection>();
  readonly #path: string;
  readonly #idleMs: number;
  readonly #busyRetryMs: number | undefined;
  #isClosed = false;

  /** Streams open connections to the database file at `path`. */
  constructor(path: string, options: { idleMs: number; busyRetryMs?: number }) {
    this.#path = path;
    this.#idleMs = options.idleMs;
    this.#busyRetryMs = options.busyRetryMs;
  }

  /** Number of streams parked under a baton. */
  get size(): number {
    return this.#parked.size;
  }

  /**
   * The stream for `baton` (a new one when null), removed from the registry
   * until {@link park} or {@link close}, so a second request with the same
   * baton fails instead of interleaving.
   */
  take(baton: string | null | undefined): SqlConnection {
    if (baton === null || baton === undefined) {
      const connection = new SqlConnection(this.#path, { busyRetryMs: this.#busyRetryMs });
      this.#open.add(connection);
      return connection;
    }
    const parked = this.#parked.get(baton);
    if (parked === undefined) throw new StreamNotFoundError();
    this.#parked.delete(baton);
    clearTimeout(parked.timer);
    return parked.connection;
  }

  /** Park a stream after a response and return its new baton (null once the server closed). */
  park(connection: SqlConnection): string | null {
    if (this.#isClosed) {
      this.close(connection);
      return null;
    }
    const baton = crypto.randomUUID();
    const timer = setTimeout(() => {
      this.#parked.delete(baton);
      this.close(connection);
    }, this.#idleMs);
    this.#parked.set(baton, { connection, timer });
    return baton;
  }

  /** Close a stream that was taken out of the registry. */
  close(connection: SqlConnection): void {
    this.#open.delete(connection);
    connection.close();
  }

  /** Close every stream, parked or in flight. */
  closeAll(): void {
    this.#isClosed = true;
    for (const parked of this.#parked.values()) clearTimeout(parked.timer);
    this.#parked.clear();
    for (const connection of this.#open) connection.close();
    this.#open.clear();
  }
}
