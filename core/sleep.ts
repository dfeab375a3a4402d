import type { Logger } from "./log.ts";

/**
 * Waits `ms`, or less if `signal` aborts — including when it aborted
 * already (an abort listener added late never fires, and a loop would then
 * sleep its whole interval after SIGTERM).
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `pass` now and then every `intervalMs` until `signal` aborts; a pass
 * that throws is logged as `<what> failed; will retry` and the loop goes on.
 */
export async function runEvery(
  options: { intervalMs: number; signal: AbortSignal; log: Logger; what: string },
  pass: () => Promise<unknown>,
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      await pass();
    } catch (error) {
      options.log.warn(`${options.what} failed; will retry`, { error });
    }
    await sleep(options.intervalMs, options.signal);
  }
}
