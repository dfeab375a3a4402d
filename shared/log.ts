/**
 * Structured logs for the edge and the core alike: one JSON object per line
 * (or readable text) with `time`, `level`, `msg` and the caller's fields,
 * above a level threshold, handed to a sink the runtime supplies (stdout or a
 * file in the core, the Worker's console on the edge). Callers pass fields,
 * never secrets; as a second line of defence, known secret values, PEM
 * private keys and fields named like credentials are redacted before a line
 * is written.
 *
 * Lines about a job carry its `correlationId`, the id the edge logged when it
 * accepted the webhook: passed as a field, or derived from a `jobId` field.
 * (No async context: the launcher's timers would inherit the wrong job.)
 */
import { correlationIdOfJob } from "./schema/edge_core.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  /** Secret values to blank out wherever they appear. */
  secrets?: readonly (string | undefined)[];
  /** Epoch ms for a line's `time`; the wall clock unless a test fixes it. */
  now?: () => number;
}

/** Where a finished line goes; `level` lets a runtime pick its own channel (console.warn). */
export type LogSink = (line: string, level: LogLevel) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const REDACTED = "[redacted]";
const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const SECRET_FIELD =
  /(secret|password|passphrase|private_?key|authorization|jit_?config|credential|(?<!client)token)/i;

/** A logger handing each line at or above `options.level` to `write`. */
export function createLogger(options: LoggerOptions, write: LogSink): Logger {
  const now = options.now ?? Date.now;
  const secrets = (options.secrets ?? [])
    .flatMap((s) => s ? [s.trim(), ...s.trim().split("\n").map((l) => l.trim())] : [])
    .filter((s) => s.length >= 8 && !s.startsWith("-----"))
    .sort((a, b) => b.length - a.length);
  const redact = (line: string) => {
    let out = line.replace(PEM_KEY, REDACTED);
    for (const secret of secrets) out = out.replaceAll(secret, REDACTED);
    // A secret inside JSON has its newlines escaped; redact that spelling too.
    for (const secret of secrets) {
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) out = out.replaceAll(escaped, REDACTED);
    }
    return out;
  };
  const log = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    const time = new Date(now()).toISOString();
    const all: LogFields = { ...fields };
    if (all.correlationId === undefined && typeof all.jobId === "string" && all.jobId) {
      all.correlationId = correlationIdOfJob(all.jobId);
    }
    if (options.format === "json") {
      write(redact(JSON.stringify({ time, level, msg, ...all }, replacer)), level);
    } else {
      const rest = Object.entries(all)
        .map(([k, v]) =>
          `${k}=${
            typeof v === "string" && !SECRET_FIELD.test(k)
              ? v
              : JSON.stringify(replacer(k, v), replacer)
          }`
        )
        .join(" ");
      write(
        redact(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? " " + rest : ""}`),
        level,
      );
    }
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/**
 * Errors log as name, message and code only (SDK errors carry requests and
 * headers); fields named like credentials log as "[redacted]".
 */
function replacer(key: string, value: unknown): unknown {
  if (key && SECRET_FIELD.test(key) && value !== undefined && value !== null) return REDACTED;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code ? { code } : {}) };
  }
  return value;
}

/** The correlation ids of a batch's jobs, for lines about many jobs at once. */
export function correlationIdsOf(jobIds: readonly string[]): string[] {
  return jobIds.map((id) => correlationIdOfJob(id));
}
