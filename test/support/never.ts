/**
 * "Nothing happens" as an assertion: poll for the event that must not happen
 * until a bound, and fail the moment it does, instead of sleeping and looking
 * once afterwards.
 */

/** Throws as soon as `happened()` is true; resolves once `boundMs` has passed without it. */
export async function assertNeverWithin(
  what: string,
  boundMs: number,
  happened: () => Promise<string | null> | string | null,
  intervalMs = 50,
): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < boundMs) {
    const seen = await happened();
    if (seen !== null) throw new Error(`${what}: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const seen = await happened();
  if (seen !== null) throw new Error(`${what}: ${seen}`);
}
