import assert from "node:assert/strict";
import { type ActiveCounts, type CapCandidate, type Caps, planAdmissions } from "./caps.ts";

const none: ActiveCounts = { project: new Map(), repo: new Map(), pool: new Map() };
const noCaps: Caps = { project: new Map(), repo: new Map(), pool: new Map() };
const job = (id: string, over: Partial<CapCandidate> = {}): CapCandidate => ({
  id,
  projectId: "p",
  repo: "o/r",
  poolId: "small",
  ...over,
});

Deno.test("with no caps every job is admitted, in order", () => {
  const result = planAdmissions([job("1"), job("2")], { caps: noCaps, active: none });
  assert.deepEqual(result, { admitted: ["1", "2"], waiting: [] });
});

Deno.test("a project cap admits the oldest jobs and keeps the rest waiting", () => {
  const caps = { ...noCaps, project: new Map([["p", 3]]) };
  const active = { ...none, project: new Map([["p", 1]]) };
  const result = planAdmissions([job("1"), job("2"), job("3")], { caps, active });
  assert.deepEqual(result.admitted, ["1", "2"]);
  assert.deepEqual(result.waiting, [{ id: "3", cap: "project", limit: 3 }]);
});

Deno.test("a repo cap overrides the project cap for that repo only", () => {
  const caps = { ...noCaps, project: new Map([["p", 1]]), repo: new Map([["o/big", 3]]) };
  const jobs = [job("1", { repo: "o/big" }), job("2", { repo: "o/big" }), job("3"), job("4")];
  const result = planAdmissions(jobs, { caps, active: none });
  assert.deepEqual(result.admitted, ["1", "2", "3"]);
  assert.deepEqual(result.waiting, [{ id: "4", cap: "project", limit: 1 }]);
});

Deno.test("a pool cap applies on top, and 0 means none", () => {
  const caps = { ...noCaps, pool: new Map([["small", 1], ["large", 0]]) };
  const jobs = [job("1"), job("2"), job("3", { poolId: "large" }), job("4", { poolId: "large" })];
  const result = planAdmissions(jobs, { caps, active: none });
  assert.deepEqual(result.admitted, ["1", "3", "4"]);
  assert.deepEqual(result.waiting, [{ id: "2", cap: "pool", limit: 1 }]);
});

Deno.test("a repo with its own cap counts its own runners, not the project's", () => {
  const caps = { ...noCaps, project: new Map([["p", 1]]), repo: new Map([["o/big", 3]]) };
  const active = { ...none, project: new Map([["p", 1]]), repo: new Map([["o/big", 2]]) };
  const jobs = [job("1", { repo: "o/big" }), job("2", { repo: "o/big" }), job("3")];
  assert.deepEqual(planAdmissions(jobs, { caps, active }), {
    admitted: ["1"],
    waiting: [{ id: "2", cap: "repo", limit: 3 }, { id: "3", cap: "project", limit: 1 }],
  });
});
