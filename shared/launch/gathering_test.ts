import assert from "node:assert/strict";
import { type GatheringState, isLoneArrival, launchAtOf } from "./gathering.ts";

/** A gathering opened at t = 10,000 ms whose latest job came at 10,150 ms. */
const opened = (over: Partial<GatheringState> = {}): GatheringState => ({
  firstAt: 10_000,
  lastAt: 10_150,
  isLone: false,
  isBurstInHand: false,
  ...over,
});

const LAUNCH_AT_CASES: {
  name: string;
  gathering: GatheringState;
  isMoreExpected: boolean;
  launchAt: number;
}[] = [
  {
    name: "a lone job launches at once, with no window",
    gathering: opened({ isLone: true, lastAt: 10_000 }),
    isMoreExpected: false,
    launchAt: 10_000,
  },
  {
    name: "jobs that joined a lone job before its call launch with it, at once",
    gathering: opened({ isLone: true }),
    isMoreExpected: false,
    launchAt: 10_000,
  },
  {
    name: "while the edge reports a backlog, a gathering waits for it up to its cap",
    gathering: opened(),
    isMoreExpected: true,
    launchAt: 12_000,
  },
  {
    name: "a backlog reported after a lone job opened holds it too, up to its cap",
    gathering: opened({ isLone: true }),
    isMoreExpected: true,
    launchAt: 12_000,
  },
  {
    name: "a burst's gathering launches once its last part is in hand",
    gathering: opened({ isBurstInHand: true }),
    isMoreExpected: false,
    launchAt: 10_000,
  },
  {
    name: "a burst that ended but is not yet in hand launches after a quiet window",
    gathering: opened(),
    isMoreExpected: false,
    launchAt: 10_350,
  },
  {
    name: "a steady stream launches at the cap of ten windows, quiet or not",
    gathering: opened({ lastAt: 11_900 }),
    isMoreExpected: false,
    launchAt: 12_000,
  },
];

Deno.test("when a gathering launches (window 200 ms)", async (t) => {
  for (const { name, gathering, isMoreExpected, launchAt } of LAUNCH_AT_CASES) {
    await t.step(name, () => {
      assert.equal(launchAtOf(gathering, { windowMs: 200, isMoreExpected }), launchAt);
    });
  }
});

Deno.test("with no window configured, nothing waits except for a reported backlog", () => {
  assert.equal(launchAtOf(opened(), { windowMs: 0, isMoreExpected: false }), 10_000);
  assert.equal(launchAtOf(opened(), { windowMs: 0, isMoreExpected: true }), 10_000);
});

Deno.test("a job arrives alone only with no backlog and nothing of its pool gathering", () => {
  const cases: [isMoreExpected: boolean, gatheringInPool: number, isLone: boolean][] = [
    [false, 0, true],
    [false, 1, false],
    [true, 0, false],
    [true, 3, false],
  ];
  for (const [isMoreExpected, gatheringInPool, isLone] of cases) {
    assert.equal(
      isLoneArrival({ isMoreExpected, gatheringInPool }),
      isLone,
      `backlog ${isMoreExpected}, ${gatheringInPool} gathering`,
    );
  }
});
