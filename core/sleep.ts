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
