/**
 * The instant calendar tests run at, never today's date: `GANTRY_TEST_NOW`
 * (an ISO instant, e.g. `2027-01-01T00:00:00Z` or `2026-12-31T23:59:00Z`
 * to try a month's first or a year's last minute), else a fixed mid-month
 * default. The edge gets the same instant as `CLOCK_FIXED_AT`.
 */
export const DEFAULT_TEST_NOW = "2026-05-20T10:30:00.000Z";

/** The test clock as epoch ms. */
export function testNow(): number {
  const text = Deno.env.get("GANTRY_TEST_NOW") || DEFAULT_TEST_NOW;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`GANTRY_TEST_NOW must be an ISO instant, not "${text}"`);
  return ms;
}

/** The edge variable that pins its calendar routes to `now`. */
export function fixedClockVars(now: number): { CLOCK_FIXED_AT: string } {
  return { CLOCK_FIXED_AT: new Date(now).toISOString() };
}
