import assert from "node:assert/strict";
import { ABSENCE_DEFAULTS, AbsenceBook, recordSightings, type Sighting } from "./absence.ts";

const SEC = 1_000;
const MIN = 60 * SEC;
const T0 = 1_000 * MIN;

/** One pass: when it ran (after T0) and whether the instance was listed. */
type Pass = [atMs: number, isMissing: boolean];

function verdicts(passes: Pass[], launchedAt: number): boolean[] {
  const book = new AbsenceBook();
  return passes.map(([at, isMissing]) => {
    const sighting: Sighting = { id: "i-1", launchedAt, isMissing };
    return book.observe([sighting], { ...ABSENCE_DEFAULTS, now: T0 + at }).includes("i-1");
  });
}

Deno.test("absence: an instance is gone only after several misses over two minutes, never while young", () => {
  const old = T0 - 30 * MIN;
  const cases: [string, Pass[], number, boolean[]][] = [
    [
      "one miss is not gone, however old the instance",
      [[0, true]],
      old,
      [false],
    ],
    [
      "three misses within a minute are not gone",
      [[0, true], [20 * SEC, true], [40 * SEC, true]],
      old,
      [false, false, false],
    ],
    [
      "two misses over three minutes are not gone",
      [[0, true], [3 * MIN, true]],
      old,
      [false, false],
    ],
    [
      "three misses spanning two minutes are gone",
      [[0, true], [1 * MIN, true], [2 * MIN, true]],
      old,
      [false, false, true],
    ],
    [
      "a sighting in between starts the count again",
      [[0, true], [1 * MIN, true], [90 * SEC, false], [2 * MIN, true], [3 * MIN, true], [
        4 * MIN,
        true,
      ]],
      old,
      [false, false, false, false, false, true],
    ],
    [
      "a new instance missed from its launch on is not gone in its first five minutes",
      [[0, true], [1 * MIN, true], [2 * MIN, true], [4 * MIN + 59 * SEC, true], [5 * MIN, true]],
      T0,
      [false, false, false, false, true],
    ],
  ];
  for (const [name, passes, launchedAt, expected] of cases) {
    assert.deepEqual(verdicts(passes, launchedAt), expected, name);
  }
});

Deno.test("absence: instances no longer in the books are forgotten, others counted apart", () => {
  const policy = { ...ABSENCE_DEFAULTS, now: T0 };
  const first = recordSightings(new Map(), [
    { id: "i-a", launchedAt: 0, isMissing: true },
    { id: "i-b", launchedAt: 0, isMissing: false },
  ], policy);
  assert.deepEqual([...first.absences], [["i-a", { since: T0, misses: 1 }]]);
  const second = recordSightings(first.absences, [
    { id: "i-b", launchedAt: 0, isMissing: true },
  ], { ...policy, now: T0 + MIN });
  assert.deepEqual([...second.absences], [["i-b", { since: T0 + MIN, misses: 1 }]]);
  assert.deepEqual(second.gone, []);
});
