/**
 * The core's logs: the shared structured logger (shared/log.ts), written to
 * stdout or appended to a file.
 */
export {
  correlationIdsOf,
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type LogSink,
} from "../shared/log.ts";

/** Where lines go: stdout, or appended to a file. */
export function logSink(file?: string): (line: string) => void {
  if (!file) return (line) => console.log(line);
  const handle = Deno.openSync(file, { create: true, append: true });
  const encoder = new TextEncoder();
  return (line) => {
    const bytes = encoder.encode(line + "\n");
    let written = 0;
    while (written < bytes.length) written += handle.writeSync(bytes.subarray(written));
  };
}
