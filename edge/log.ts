/**
 * The edge's logger: the shared structured lines (shared/log.ts) on the
 * Worker's console, each at its level's console method so Cloudflare's log
 * views can filter by level. Fields named like credentials are redacted by
 * the shared logger; callers still pass no token, header or body.
 */
import { createLogger, type Logger, type LogSink } from "../shared/log.ts";

const toConsole: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

/** Lines at info and above, one JSON object each. */
export const edgeLog: Logger = createLogger({ level: "info", format: "json" }, toConsole);
