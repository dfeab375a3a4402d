/**
 * How long an (account, network) pair waits after repeated wrong passwords:
 * nothing under the limit, then 1 s, 2 s, 4 s … doubling per further failure,
 * never more than the window. A delay, not a block: guessing stays
 * impractical, and since only the failing network waits, nobody can lock an
 * account's owner out from elsewhere.
 */
export function lockoutDelayMs(
  failures: number,
  options: { limit: number; windowMs: number },
): number {
  if (failures < options.limit) return 0;
  const doublings = Math.min(failures - options.limit, 40);
  return Math.min(options.windowMs, 1000 * 2 ** doublings);
}
