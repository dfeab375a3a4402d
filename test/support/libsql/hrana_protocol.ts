/**
 * The JSON messages of Hrana over HTTP (versions 2 and 3), as sqld speaks them
 * at `POST /v2/pipeline` and `POST /v3/pipeline`. Requests are parsed with zod;
 * responses are plain types the server builds.
 *
 * Spec: https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_3_SPEC.md
 *
 * @module
 */
import { z } from "zod";

/** A SQL value on the wire. Integers travel as decimal strings, blobs as base64. */
export const HranaValue = z.discriminatedUnion("type", [
  z.object({ type: z.literal("null") }),
  z.object({ type: z.literal("integer"), value: z.string().regex(/^-?\d+$/) }),
  z.object({ type: z.literal("float"), value: z.number() }),
  z.object({ type: z.literal("text"), value: z.string() }),
  z.object({ type: z.literal("blob"), base64: z.string() }),
]);
export type HranaValue = z.infer<typeof HranaValue>;

/** One statement with its arguments; exactly one of `sql` and `sql_id` is set. */
export const HranaStmt = z.object({
  sql: z.string().nullish(),
  sql_id: z.number().int().nullish(),
  args: z.array(HranaValue).nullish(),
  named_args: z.array(z.object({ name: z.string(), value: HranaValue })).nullish(),
  want_rows: z.boolean().nullish(),
});
export type HranaStmt = z.infer<typeof HranaStmt>;

/** When a batch step runs, in terms of earlier steps and the connection state. */
export type HranaBatchCond =
  | { type: "ok"; step: number }
  | { type: "error"; step: number }
  | { type: "not"; cond: HranaBatchCond }
  | { type: "and"; conds: HranaBatchCond[] }
  | { type: "or"; conds: HranaBatchCond[] }
  | { type: "is_autocommit" };

/** Parser for {@link HranaBatchCond}. */
export const HranaBatchCond: z.ZodType<HranaBatchCond> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("ok"), step: z.number().int().min(0) }),
    z.object({ type: z.literal("error"), step: z.number().int().min(0) }),
    z.object({ type: z.literal("not"), cond: HranaBatchCond }),
    z.object({ type: z.literal("and"), conds: z.array(HranaBatchCond) }),
    z.object({ type: z.literal("or"), conds: z.array(HranaBatchCond) }),
    z.object({ type: z.literal("is_autocommit") }),
  ])
);

/** A list of statements, each run only when its condition holds. */
export const HranaBatch = z.object({
  steps: z.array(z.object({ condition: HranaBatchCond.nullish(), stmt: HranaStmt })),
});
export type HranaBatch = z.infer<typeof HranaBatch>;

const SqlRef = { sql: z.string().nullish(), sql_id: z.number().int().nullish() };

/** One request inside a pipeline. */
export const HranaStreamRequest = z.discriminatedUnion("type", [
  z.object({ type: z.literal("close") }),
  z.object({ type: z.literal("execute"), stmt: HranaStmt }),
  z.object({ type: z.literal("batch"), batch: HranaBatch }),
  z.object({ type: z.literal("sequence"), ...SqlRef }),
  z.object({ type: z.literal("describe"), ...SqlRef }),
  z.object({ type: z.literal("store_sql"), sql_id: z.number().int(), sql: z.string() }),
  z.object({ type: z.literal("close_sql"), sql_id: z.number().int() }),
  z.object({ type: z.literal("get_autocommit") }),
]);
export type HranaStreamRequest = z.infer<typeof HranaStreamRequest>;

/** Body of `POST /v{2,3}/pipeline`. A null baton opens a new stream. */
export const HranaPipelineRequest = z.object({
  baton: z.string().nullish(),
  requests: z.array(HranaStreamRequest),
});
export type HranaPipelineRequest = z.infer<typeof HranaPipelineRequest>;

/** An error as Hrana reports it, per request or per batch step. */
export interface HranaError {
  message: string;
  code: string;
}

/** A result column: its name and declared type, when SQLite knows them. */
export interface HranaCol {
  name: string | null;
  decltype: string | null;
}

/** The outcome of one statement. */
export interface HranaStmtResult {
  cols: HranaCol[];
  rows: HranaValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  rows_read: number;
  rows_written: number;
  query_duration_ms: number;
}

/** Per-step outcomes of a batch; a step that did not run is null in both. */
export interface HranaBatchResult {
  step_results: (HranaStmtResult | null)[];
  step_errors: (HranaError | null)[];
}

/** The shape of a statement without running it. */
export interface HranaDescribeResult {
  params: { name: string | null }[];
  cols: HranaCol[];
  is_explain: boolean;
  is_readonly: boolean;
}

/** The response to one {@link HranaStreamRequest}, tagged with the same type. */
export type HranaStreamResponse =
  | { type: "close" }
  | { type: "execute"; result: HranaStmtResult }
  | { type: "batch"; result: HranaBatchResult }
  | { type: "sequence" }
  | { type: "describe"; result: HranaDescribeResult }
  | { type: "store_sql" }
  | { type: "close_sql" }
  | { type: "get_autocommit"; is_autocommit: boolean };

/** The outcome of one pipelined request. */
export type HranaStreamResult =
  | { type: "ok"; response: HranaStreamResponse }
  | { type: "error"; error: HranaError };

/** Body of a pipeline response; a null baton means the stream is closed. */
export interface HranaPipelineResponse {
  baton: string | null;
  base_url: string | null;
  results: HranaStreamResult[];
}

/** A failure that becomes a Hrana error result rather than an HTTP error. */
export class HranaRequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "HranaRequestError";
  }
}
