/**
 * Runs the requests of one Hrana pipeline against a stream's connection, in
 * order, turning each into an `ok` or `error` result. A failing request does
 * not stop the ones after it; a `close` does.
 *
 * @module
 */
import type {
  HranaStreamRequest,
  HranaStreamResponse,
  HranaStreamResult,
} from "./hrana_protocol.ts";
import { HranaRequestError } from "./hrana_protocol.ts";
import { hranaErrorOf, type SqlConnection } from "./sql_connection.ts";

/** The Hrana versions served over HTTP with JSON bodies. */
export type HranaVersion = 2 | 3;

/** What a pipeline produced and whether it left the stream open. */
export interface PipelineOutcome {
  results: HranaStreamResult[];
  isClosed: boolean;
}

async function respond(
  connection: SqlConnection,
  request: HranaStreamRequest,
  version: HranaVersion,
): Promise<HranaStreamResponse> {
  switch (request.type) {
    case "close":
      return { type: "close" };
    case "execute":
      return { type: "execute", result: await connection.execute(request.stmt) };
    case "batch":
      return { type: "batch", result: await connection.batch(request.batch) };
    case "sequence":
      connection.sequence(connection.sqlOf(request));
      return { type: "sequence" };
    case "describe":
      return { type: "describe", result: connection.describe(connection.sqlOf(request)) };
    case "store_sql":
      connection.storeSql(request.sql_id, request.sql);
      return { type: "store_sql" };
    case "close_sql":
      connection.closeSql(request.sql_id);
      return { type: "close_sql" };
    case "get_autocommit":
      if (version < 3) {
        throw new HranaRequestError(
          "PROTOCOL_VERSION",
          "get_autocommit needs Hrana 3; use /v3/pipeline",
        );
      }
      return { type: "get_autocommit", is_autocommit: connection.isAutocommit };
  }
}

/** Run `requests` on `connection` in order. */
export async function runPipeline(
  connection: SqlConnection,
  requests: HranaStreamRequest[],
  version: HranaVersion,
): Promise<PipelineOutcome> {
  const results: HranaStreamResult[] = [];
  let isClosed = false;
  for (const request of requests) {
    if (isClosed) {
      results.push({
        type: "error",
        error: { message: "The stream was closed earlier in this pipeline", code: "STREAM_CLOSED" },
      });
      continue;
    }
    try {
      results.push({ type: "ok", response: await respond(connection, request, version) });
    } catch (error) {
      results.push({ type: "error", error: hranaErrorOf(error) });
    }
    if (request.type === "close") isClosed = true;
  }
  return { results, isClosed };
}
