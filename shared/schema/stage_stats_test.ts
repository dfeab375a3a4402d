import assert from "node:assert/strict";
import { STAGE_STATS_MAX_JOBS, StageStatsResponse } from "./stage_stats.ts";

const STAGE = {
  poolKey: "p1",
  pool: "linux",
  stage: "leased",
  party: "gantry",
  jobs: 3,
  p50Ms: 12,
  p95Ms: 40,
};
const ANSWER = {
  window: { from: 1_799_913_600_000, to: 1_800_000_000_000 },
  jobs: 3,
  isSampled: false,
  stages: [STAGE],
  reasons: [{ reason: "cap", jobs: 2 }],
};

Deno.test("a stage-stats answer parses as it is", () => {
  assert.deepEqual(StageStatsResponse.parse(ANSWER), ANSWER);
  assert.equal(STAGE_STATS_MAX_JOBS, 2_000);
});

Deno.test("counts and times are whole and not negative; stages, parties and reasons are known", () => {
  const stage = (patch: Record<string, unknown>) => ({
    ...ANSWER,
    stages: [{ ...STAGE, ...patch }],
  });
  const refused: [string, unknown][] = [
    ["jobs -1", { ...ANSWER, jobs: -1 }],
    ["jobs 1.5", { ...ANSWER, jobs: 1.5 }],
    ["isSampled 'no'", { ...ANSWER, isSampled: "no" }],
    ["window.from -1", { ...ANSWER, window: { from: -1, to: 0 } }],
    ["stage unknown", stage({ stage: "teleported" })],
    ["party unknown", stage({ party: "aws" })],
    ["stage jobs -1", stage({ jobs: -1 })],
    ["p50Ms 1.5", stage({ p50Ms: 1.5 })],
    ["p95Ms -1", stage({ p95Ms: -1 })],
    ["pool missing", stage({ pool: undefined })],
    ["reason unknown", { ...ANSWER, reasons: [{ reason: "whim", jobs: 1 }] }],
    ["reason jobs -1", { ...ANSWER, reasons: [{ reason: "cap", jobs: -1 }] }],
  ];
  for (const [what, value] of refused) {
    assert.equal(StageStatsResponse.safeParse(value).success, false, what);
  }
});
