import assert from "node:assert/strict";
import { jobView } from "./api/fake_client.ts";
import {
  formatCost,
  formatDuration,
  formatPricePerHour,
  formatTime,
  formatTimeShort,
  formatUtcTitle,
  runDurationOf,
} from "./format.ts";

Deno.test("durations read at a glance", () => {
  const cases: [number | null, string][] = [
    [null, "—"],
    [-5, "—"],
    [0, "0s"],
    [45_900, "45s"],
    [187_000, "3m 07s"],
    [7_500_000, "2h 05m"],
    [3 * 86_400_000 + 4 * 3_600_000, "3d 4h"],
  ];
  for (const [ms, want] of cases) assert.equal(formatDuration(ms), want, String(ms));
});

Deno.test("run duration counts from start, else launch, to completion or now", () => {
  assert.equal(runDurationOf(jobView({ id: "1" }), 10_000), null);
  assert.equal(
    runDurationOf(jobView({ id: "1", launchedAt: 1_000, completedAt: 4_000 }), 9e9),
    3_000,
  );
  assert.equal(
    runDurationOf(jobView({ id: "1", launchedAt: 1_000, startedAt: 2_000 }), 5_000),
    3_000,
  );
});

Deno.test("costs keep four decimals under a cent; prices always four", () => {
  assert.equal(formatCost(null), "—");
  assert.equal(formatCost(0.00416), "$0.0042");
  assert.equal(formatCost(1.2345), "$1.23");
  assert.equal(formatPricePerHour(0.096), "$0.0960/h");
  assert.equal(formatPricePerHour(null), "no quote");
});

Deno.test("times: full in detail, without the year in tables for this year", () => {
  const at = new Date(2026, 10, 23, 9, 5, 7).getTime();
  assert.equal(formatTime(at), "2026-11-23 09:05:07");
  assert.equal(formatTimeShort(at, new Date(2026, 0, 1).getTime()), "11-23 09:05:07");
  assert.equal(formatTimeShort(at, new Date(2027, 0, 1).getTime()), "2026-11-23 09:05:07");
  assert.equal(formatTime(null), "—");
});

Deno.test("times in UTC read the same in every zone, with a UTC title for hover", () => {
  const at = Date.parse("2026-05-20T10:29:00Z");
  assert.equal(formatTime(at, "utc"), "2026-05-20 10:29:00");
  assert.equal(formatTimeShort(at, Date.parse("2026-12-31T00:00:00Z"), "utc"), "05-20 10:29:00");
  assert.equal(
    formatTimeShort(at, Date.parse("2027-01-02T00:00:00Z"), "utc"),
    "2026-05-20 10:29:00",
  );
  assert.equal(formatUtcTitle(at), "2026-05-20 10:29:00 UTC");
});
