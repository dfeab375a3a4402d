/** The shared logger: the line's fields, the clock it is given, and the level the sink hears. */
import assert from "node:assert/strict";
import { correlationIdsOf, createLogger, type LogLevel } from "./log.ts";

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

/** A logger at `level` in `format`, at epoch 0, and the lines its sink heard. */
function capture(
  format: "json" | "text",
  options: { level?: LogLevel; secrets?: (string | undefined)[] } = {},
) {
  const heard: { line: string; level: LogLevel }[] = [];
  const log = createLogger(
    { level: options.level ?? "debug", format, secrets: options.secrets, now: () => 0 },
    (line, level) => heard.push({ line, level }),
  );
  return { log, heard, lines: () => heard.map((h) => h.line) };
}

Deno.test("each level reaches the sink at or above the threshold, with its own level", () => {
  for (
    const [threshold, expected] of [
      ["debug", ["debug", "info", "warn", "error"]],
      ["info", ["info", "warn", "error"]],
      ["warn", ["warn", "error"]],
      ["error", ["error"]],
    ] as const
  ) {
    const { log, heard } = capture("json", { level: threshold });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    assert.deepEqual(heard.map((h) => h.level), expected, threshold);
    assert.deepEqual(heard.map((h) => JSON.parse(h.line).level), expected, threshold);
  }
});

Deno.test("text lines: time, padded level, msg, then key=value (strings bare, the rest as JSON)", () => {
  const { log, lines } = capture("text");
  log.info("launched", { pool: "small", count: 2, tags: { a: 1 }, password: "hunter22" });
  log.warn("no fields");
  log.error("failed", { error: Object.assign(new Error("boom"), { code: "Throttling" }) });
  log.debug("job", { jobId: "9" });
  assert.deepEqual(lines(), [
    '1970-01-01T00:00:00.000Z INFO  launched pool=small count=2 tags={"a":1} password="[redacted]"',
    "1970-01-01T00:00:00.000Z WARN  no fields",
    '1970-01-01T00:00:00.000Z ERROR failed error={"name":"Error","message":"boom","code":"Throttling"}',
    "1970-01-01T00:00:00.000Z DEBUG job jobId=9 correlationId=job-9",
  ]);
});

Deno.test("errors log as name, message and code only; a code-less error has no code", () => {
  const { log, lines } = capture("json");
  const sdkError = Object.assign(new TypeError("bad"), { code: "E1", $response: { headers: {} } });
  log.error("x", { error: sdkError, plain: new Error("plain") });
  assert.deepEqual(JSON.parse(lines()[0]), {
    time: "1970-01-01T00:00:00.000Z",
    level: "error",
    msg: "x",
    error: { name: "TypeError", message: "bad", code: "E1" },
    plain: { name: "Error", message: "plain" },
  });
});

Deno.test("the correlation id: derived from a string jobId, kept when given, none for no or empty jobId", () => {
  const { log, lines } = capture("json");
  log.info("a", { jobId: "12" });
  log.info("b", { jobId: "12", correlationId: "given" });
  log.info("c", { jobId: "" });
  log.info("d", { jobId: 12 });
  log.info("e");
  assert.deepEqual(lines().map((l) => JSON.parse(l).correlationId), [
    "job-12",
    "given",
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(correlationIdsOf(["1", "2"]), ["job-1", "job-2"]);
});

Deno.test("fields named like credentials are redacted; client tokens and empty values are not", () => {
  const names = [
    "secret",
    "webhookSecret",
    "password",
    "passphrase",
    "private_key",
    "privateKey",
    "authorization",
    "jitconfig",
    "jit_config",
    "credential",
    "token",
    "accessToken",
  ];
  const { log, lines } = capture("json");
  log.info("x", Object.fromEntries(names.map((name) => [name, "value-1"])));
  const redacted = JSON.parse(lines()[0]);
  for (const name of names) assert.equal(redacted[name], "[redacted]", name);
  log.info("y", { clientToken: "abc-123", password: null, secret: undefined, pool: "value-1" });
  assert.deepEqual(JSON.parse(lines()[1]), {
    time: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "y",
    clientToken: "abc-123",
    password: null,
    pool: "value-1",
  });
});

Deno.test("known secret values are blanked anywhere in a line, from 8 characters on", () => {
  const { log, lines } = capture("json", {
    secrets: [" 12345678 ", "1234567", undefined, "", "abcdefgh", "abcdefghij"],
  });
  log.info("seen 12345678 and 1234567", { note: "abcdefghij then abcdefgh" });
  const line = JSON.parse(lines()[0]);
  assert.equal(line.msg, "seen [redacted] and 1234567", "8 characters: blanked; 7: kept");
  assert.equal(line.note, "[redacted] then [redacted]", "the longer secret first, whole");
});

Deno.test("a multi-line secret is blanked line by line and in its JSON-escaped spelling", () => {
  const pemless = "first-line-secret\nsecond-line-secret";
  const quoted = 'pa"ss\\word-12';
  const { log, lines } = capture("json", {
    secrets: [pemless, "-----not-a-literal", quoted],
  });
  log.info("x", {
    whole: pemless,
    one: "has second-line-secret inside",
    dashes: "-----not-a-literal",
  });
  const line = JSON.parse(lines()[0]);
  assert.equal(line.whole, "[redacted]\n[redacted]", "each line on its own");
  assert.equal(line.one, "has [redacted] inside");
  assert.equal(
    line.dashes,
    "-----not-a-literal",
    "a secret starting with ----- is left to the PEM rule",
  );
  assert.equal(lines()[0].includes("line-secret"), false);
  // JSON escapes the quote and the backslash: that spelling is blanked too.
  log.info(`got ${quoted}`);
  assert.equal(JSON.parse(lines()[1]).msg, "got [redacted]");
});

Deno.test("a multi-line secret's lines are blanked without the spaces around them", () => {
  // An indented key file: each line is matched as written, without its indent or trailing blank.
  const { log, lines } = capture("text", {
    secrets: ["  first-line-secret \n\tsecond-line-secret  "],
  });
  log.info("a=first-line-secret;b=second-line-secret;");
  assert.equal(lines()[0], "1970-01-01T00:00:00.000Z INFO  a=[redacted];b=[redacted];");
});

Deno.test("PEM private keys are blanked, whole or cut off before their end", () => {
  const { log, lines } = capture("text");
  log.info("rsa -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- after");
  log.info("pkcs8 -----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----");
  log.info("cut -----BEGIN EC PRIVATE KEY-----\nMHcC and the rest");
  log.info("public -----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----");
  assert.deepEqual(lines().map((l) => l.slice("1970-01-01T00:00:00.000Z INFO  ".length)), [
    "rsa [redacted] after",
    "pkcs8 [redacted]",
    "cut [redacted]",
    "public -----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----",
  ]);
});
