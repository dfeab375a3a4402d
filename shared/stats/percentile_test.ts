import assert from "node:assert/strict";
import { percentileOf } from "./percentile.ts";

Deno.test("nearest-rank percentiles, at and between ranks; none of nothing", () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  const cases: [readonly number[], number, number | null][] = [
    [[], 50, null],
    [[42], 0, 42],
    [[42], 100, 42],
    [ten, 0, 1],
    [ten, 10, 1],
    [ten, 11, 2],
    [ten, 50, 5],
    [ten, 51, 6],
    [ten, 95, 10],
    [ten, 100, 10],
  ];
  for (const [values, p, expected] of cases) {
    assert.equal(percentileOf(values, p), expected, `p${p} of ${values.length}`);
  }
  assert.deepEqual(ten, [10, 1, 9, 2, 8, 3, 7, 4, 6, 5], "the input is not sorted in place");
});
