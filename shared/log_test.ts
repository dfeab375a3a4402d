/** The shared logger: the line's fields, the clock it is given, and the level the sink hears. */
import assert from "node:assert/strict";
import { createLogger, type LogLevel } from "./log.ts";

Deno.test("a line carries the given clock's time, level, msg, fields and correlation id", () => {
  const heard: { line: string; level: LogLevel }[] = [];
  const log = createLogger(
    { level: "info", format: "json", now: () => Date.UTC(2026, 11, 5, 7, 0, 0) },
    (line, level) => heard.push({ line, level }),
  );
  log.debug("below the threshold");
  log.warn("lease expired", { jobId: "7", pool: "small" });
  log.error("database unavailable", { path: "/api/v1/pools" });
  assert.deepEqual(heard.map((h) => h.level), ["warn", "error"]);
  assert.deepEqual(JSON.parse(heard[0].line), {
    time: "2026-12-05T07:00:00.000Z",
    level: "warn",
    msg: "lease expired",
    jobId: "7",
    pool: "small",
    correlationId: "job-7",
  });
  assert.equal(JSON.parse(heard[1].line).path, "/api/v1/pools");
});

Deno.test("a field named like a credential reaches the sink redacted", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", now: () => 0 }, (l) => lines.push(l));
  log.info("sign-in refused", { authorization: "Bearer abc.def.ghi", sessionToken: "s-123456" });
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "sign-in refused",
    authorization: "[redacted]",
    sessionToken: "[redacted]",
  });
});
