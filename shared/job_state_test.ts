import assert from "node:assert/strict";
import { GantryError, httpStatusOf } from "./errors.ts";
import {
  canTransition,
  IllegalTransitionError,
  isJobState,
  isTerminal,
  JOB_STATES,
  JOB_TRANSITIONS,
  type JobState,
  TERMINAL_STATES,
  transition,
} from "./job_state.ts";

const LEGAL: [JobState, JobState[]][] = [
  ["queued", ["claimed", "running", "completed", "cancelled", "dropped", "failed"]],
  ["claimed", ["launching", "queued", "running", "completed", "cancelled", "failed"]],
  ["launching", ["starting", "queued", "running", "completed", "cancelled", "failed"]],
  ["starting", ["running", "queued", "completed", "cancelled", "failed", "reaped"]],
  ["running", ["completed", "failed", "cancelled", "reaped"]],
  ["completed", []],
  ["failed", []],
  ["reaped", []],
  ["cancelled", []],
  ["dropped", []],
];

Deno.test("the transition table is exactly the agreed one", () => {
  assert.equal(JOB_STATES.length, 10);
  for (const [from, tos] of LEGAL) {
    assert.deepEqual([...JOB_TRANSITIONS[from]].sort(), [...tos].sort(), from);
  }
  assert.deepEqual(Object.keys(JOB_TRANSITIONS).sort(), [...JOB_STATES].sort());
});

Deno.test("all 100 pairs: legal ones transition, the rest throw IllegalTransitionError", () => {
  let legal = 0;
  let illegal = 0;
  for (const from of JOB_STATES) {
    for (const to of JOB_STATES) {
      const allowed = LEGAL.find(([state]) => state === from)![1].includes(to);
      assert.equal(canTransition(from, to), allowed, `${from} -> ${to}`);
      if (allowed) {
        assert.deepEqual(transition(from, to, 1_000), { from, to, at: 1_000 });
        legal++;
      } else {
        assert.throws(() => transition(from, to, 1_000), (error: unknown) => {
          assert.ok(error instanceof IllegalTransitionError);
          assert.equal(error.from, from);
          assert.equal(error.to, to);
          return true;
        });
        illegal++;
      }
    }
  }
  assert.equal(legal + illegal, 100);
  assert.equal(legal, 28);
});

Deno.test("hand-picked illegal moves are rejected", () => {
  const pairs: [JobState, JobState][] = [
    ["completed", "running"],
    ["queued", "starting"],
    ["queued", "launching"],
    ["queued", "reaped"],
    ["running", "queued"],
    ["starting", "launching"],
    ["claimed", "dropped"],
    ["dropped", "queued"],
    ["cancelled", "completed"],
    ["running", "running"],
  ];
  for (const [from, to] of pairs) {
    assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
    assert.throws(() => transition(from, to, 0), IllegalTransitionError);
  }
});

Deno.test("runner stealing and early cancel are legal before launch", () => {
  for (const from of ["queued", "claimed", "launching"] as const) {
    assert.ok(canTransition(from, "running"));
    assert.ok(canTransition(from, "completed"));
    assert.ok(canTransition(from, "cancelled"));
  }
});

Deno.test("an illegal transition carries a searchable code and maps to 409", () => {
  const error = (() => {
    try {
      transition("completed", "running", 0);
    } catch (caught) {
      return caught;
    }
  })();
  assert.ok(error instanceof GantryError);
  assert.equal(error.code, "illegal_transition");
  assert.equal(error.name, "IllegalTransitionError");
  assert.equal(error.message, 'a job cannot go from "completed" to "running"');
  assert.equal(httpStatusOf(error), 409);
});

Deno.test("a transition records its timestamp and reason", () => {
  const at = Date.UTC(2024, 0, 2, 3, 4, 5);
  assert.deepEqual(transition("queued", "claimed", at), { from: "queued", to: "claimed", at });
  assert.deepEqual(transition("running", "reaped", at, "exceeded max runtime"), {
    from: "running",
    to: "reaped",
    at,
    reason: "exceeded max runtime",
  });
});

Deno.test("terminal states are exactly those with no way out", () => {
  assert.deepEqual([...TERMINAL_STATES].sort(), [
    "cancelled",
    "completed",
    "dropped",
    "failed",
    "reaped",
  ]);
  for (const state of JOB_STATES) {
    assert.equal(isTerminal(state), JOB_TRANSITIONS[state].length === 0, state);
  }
});

Deno.test("isJobState recognises only known states", () => {
  assert.ok(isJobState("queued"));
  assert.ok(!isJobState("Queued"));
  assert.ok(!isJobState("toString"));
  assert.ok(!isJobState(1));
});
