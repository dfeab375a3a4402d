import assert from "node:assert/strict";
import { InvalidError } from "./errors.ts";
import { costUsd, elapsedSeconds, formatUsd, summarizeCost } from "./cost.ts";

function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, message ?? `${actual} ≈ ${expected}`);
}

Deno.test("costUsd is price × seconds / 3600, unrounded", () => {
  near(costUsd(0.0416, 1800), 0.0208);
  near(costUsd(3.06, 3600), 3.06);
  near(costUsd(0.0104, 61), (0.0104 * 61) / 3600);
  assert.equal(costUsd(0, 1000), 0);
  assert.equal(costUsd(1.5, 0), 0);
});

Deno.test("costUsd rejects negative and non-numeric inputs, naming each", () => {
  for (const [price, seconds] of [[-1, 10], [1, -10], [NaN, 10], [1, NaN], [Infinity, 1]]) {
    assert.throws(() => costUsd(price, seconds), InvalidError, `${price}, ${seconds}`);
  }
  try {
    costUsd(-1, NaN);
    assert.fail("expected InvalidError");
  } catch (error) {
    assert.ok(error instanceof InvalidError);
    assert.deepEqual(error.issues, [
      { path: "pricePerHourUsd", message: "must not be negative" },
      { path: "elapsedSeconds", message: "must be a finite number" },
    ]);
    assert.equal(
      error.message,
      "pricePerHourUsd: must not be negative; elapsedSeconds: must be a finite number",
    );
  }
  assert.equal(costUsd(0, 0), 0, "zero is not negative");
});

Deno.test("elapsedSeconds counts from start to end and never goes negative", () => {
  assert.equal(elapsedSeconds(1_000, 91_000), 90);
  assert.equal(elapsedSeconds(1_000, 1_500), 0.5);
  assert.equal(elapsedSeconds(5_000, 5_000), 0);
  assert.equal(elapsedSeconds(10_000, 5_000), 0);
  assert.throws(() => elapsedSeconds(NaN, 5_000), {
    name: "InvalidError",
    message: "elapsedSeconds: start and end must be finite epoch milliseconds",
  });
});

Deno.test("summarizeCost adds quoted jobs and counts unquoted ones as a floor", () => {
  const summary = summarizeCost([
    { pricePerHourUsd: 0.0416, runtimeSeconds: 1800 },
    { pricePerHourUsd: 0.0832, runtimeSeconds: 900 },
    { pricePerHourUsd: null, runtimeSeconds: 3600 },
    { pricePerHourUsd: 0, runtimeSeconds: 60 },
  ]);
  near(summary.totalUsd, 0.0416);
  assert.equal(summary.quotedJobs, 3);
  assert.equal(summary.unquotedJobs, 1);
});

Deno.test("summarizeCost of nothing is zero, and it accepts any iterable", () => {
  assert.deepEqual(summarizeCost([]), { totalUsd: 0, quotedJobs: 0, unquotedJobs: 0 });
  function* jobs() {
    yield { pricePerHourUsd: 1, runtimeSeconds: 3600 };
    yield { pricePerHourUsd: null, runtimeSeconds: 1 };
  }
  assert.deepEqual(summarizeCost(jobs()), { totalUsd: 1, quotedJobs: 1, unquotedJobs: 1 });
});

Deno.test("formatUsd shows cents, or four decimals under a cent", () => {
  const cases: [number, string][] = [
    [0, "$0.00"],
    [-0, "$0.00"],
    [0.0042, "$0.0042"],
    [0.0208, "$0.02"],
    [0.00416, "$0.0042"],
    [0.01, "$0.01"],
    [12.3456, "$12.35"],
    [12, "$12.00"],
    [1234.5, "$1234.50"],
    [-0.5, "-$0.50"],
  ];
  for (const [amount, want] of cases) assert.equal(formatUsd(amount), want, String(amount));
});
