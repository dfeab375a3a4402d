import assert from "node:assert/strict";
import { WarmPoolsResponse } from "./warm_pools.ts";

const HOT = {
  kind: "hot",
  decision: {
    target: 2,
    max: 3,
    reason: "budget",
    idleUsdPerDay: 2.304,
    decidedAt: 1_800_000_000_000,
    changedAt: 1_799_990_000_000,
  },
  current: 1,
  idleUsdToday: 0.5,
  unquoted: 0,
};
const STOPPED = { kind: "stopped", decision: null, current: 0, idleUsdToday: 0, unquoted: 0 };
const RESPONSE = {
  generatedAt: 1_800_000_000_000,
  day: { from: 1_799_971_200_000, to: 1_800_000_000_000 },
  pools: [{ poolId: "p1", project: "acme", pool: "linux", kinds: [HOT, STOPPED] }],
};

function withKind(patch: Record<string, unknown>, decision?: Record<string, unknown>) {
  const kind = { ...HOT, ...patch, decision: { ...HOT.decision, ...decision } };
  return { ...RESPONSE, pools: [{ ...RESPONSE.pools[0], kinds: [kind] }] };
}

Deno.test("a warm-pools answer parses as it is, a null decision and a null idle price included", () => {
  assert.deepEqual(WarmPoolsResponse.parse(RESPONSE), RESPONSE);
  const unpriced = withKind({}, { idleUsdPerDay: null });
  assert.deepEqual(WarmPoolsResponse.parse(unpriced), unpriced);
});

Deno.test("counts are whole and not negative; costs are not negative; kinds and reasons are known", () => {
  const refused: [string, unknown][] = [
    ["current -1", withKind({ current: -1 })],
    ["current 1.5", withKind({ current: 1.5 })],
    ["unquoted -1", withKind({ unquoted: -1 })],
    ["idleUsdToday -0.01", withKind({ idleUsdToday: -0.01 })],
    ["target -1", withKind({}, { target: -1 })],
    ["max 2.5", withKind({}, { max: 2.5 })],
    ["idleUsdPerDay -1", withKind({}, { idleUsdPerDay: -1 })],
    ["decidedAt -1", withKind({}, { decidedAt: -1 })],
    ["changedAt 1.5", withKind({}, { changedAt: 1.5 })],
    ["kind warm", withKind({ kind: "warm" })],
    ["reason whim", withKind({}, { reason: "whim" })],
    ["generatedAt -1", { ...RESPONSE, generatedAt: -1 }],
    ["day.to 1.5", { ...RESPONSE, day: { from: 0, to: 1.5 } }],
  ];
  for (const [what, value] of refused) {
    assert.equal(WarmPoolsResponse.safeParse(value).success, false, what);
  }
  // At the bounds: zero everywhere is fine.
  const zero = withKind({ current: 0, unquoted: 0, idleUsdToday: 0 }, {
    target: 0,
    max: 0,
    idleUsdPerDay: 0,
    decidedAt: 0,
    changedAt: 0,
  });
  assert.equal(WarmPoolsResponse.safeParse(zero).success, true);
});
