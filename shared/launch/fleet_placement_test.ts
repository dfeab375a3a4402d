import assert from "node:assert/strict";
import { placementsOf } from "./batch.ts";
import { fleetPlacements, type SubnetFacts } from "./fleet_placement.ts";

const facts = (entries: [string, string, number][]) =>
  new Map<string, SubnetFacts>(
    entries.map((
      [id, zone, free],
    ) => [id, { availabilityZone: zone, availableIpAddressCount: free }]),
  );

const subnetsOf = (placements: { slot: string }[]) => [
  ...new Set(placements.map((p) => p.slot)),
];

interface PlacementCase {
  name: string;
  subnets: [string, string, number][];
  count: number;
  clientToken?: string;
  want: string[];
}

const CASES: PlacementCase[] = [
  {
    name: "one subnet per zone already: all kept, in order",
    subnets: [["subnet-a1", "us-east-1a", 100], ["subnet-b1", "us-east-1b", 100]],
    count: 5,
    want: ["subnet-a1", "subnet-b1"],
  },
  {
    name: "two subnets in a zone: only the one with room for the batch",
    subnets: [
      ["subnet-a1", "us-east-1a", 3],
      ["subnet-a2", "us-east-1a", 200],
      ["subnet-b1", "us-east-1b", 50],
    ],
    count: 10,
    want: ["subnet-a2", "subnet-b1"],
  },
  {
    name: "no subnet of a zone has room for all: the roomiest",
    subnets: [
      ["subnet-a1", "us-east-1a", 4],
      ["subnet-a2", "us-east-1a", 7],
      ["subnet-a3", "us-east-1a", 0],
    ],
    count: 10,
    want: ["subnet-a2"],
  },
  {
    name: "a zone with no free address anywhere still gets one subnet (EC2 will say so)",
    subnets: [["subnet-a1", "us-east-1a", 0], ["subnet-a2", "us-east-1a", 0]],
    count: 1,
    clientToken: "token-1",
    want: ["subnet-a2"],
  },
  {
    name: "a subnet the provider could not describe is its own zone",
    subnets: [["subnet-a1", "us-east-1a", 10]],
    count: 1,
    want: ["subnet-a1", "subnet-zz"],
  },
];

for (const c of CASES) {
  Deno.test(`fleet placement: ${c.name}`, () => {
    const ids = c.subnets.map(([id]) => id);
    if (c.name.includes("could not describe")) ids.push("subnet-zz");
    const placements = placementsOf(["m5.large", "c5.large"], ids);
    const chosen = fleetPlacements(placements, {
      subnets: facts(c.subnets),
      count: c.count,
      clientToken: c.clientToken ?? "token-0",
    });
    assert.deepEqual(subnetsOf(chosen), c.want);
    // Every instance type stays, with its priority.
    assert.deepEqual(
      [...new Set(chosen.map((p) => `${p.size}:${p.priority}`))],
      ["m5.large:0", "c5.large:1"],
    );
  });
}

Deno.test("fleet placement: calls spread over a zone's equal subnets, a replay picks the same", () => {
  const subnets = facts([
    ["subnet-a1", "us-east-1a", 500],
    ["subnet-a2", "us-east-1a", 500],
    ["subnet-a3", "us-east-1a", 500],
  ]);
  const placements = placementsOf(["m5.large"], ["subnet-a1", "subnet-a2", "subnet-a3"]);
  const picks = Array.from(
    { length: 30 },
    (_, i) =>
      fleetPlacements(placements, { subnets, count: 2, clientToken: `g${i}-2-0-abc` })[0].slot,
  );
  assert.deepEqual(new Set(picks), new Set(["subnet-a1", "subnet-a2", "subnet-a3"]));
  for (let i = 0; i < 30; i++) {
    const again = fleetPlacements(placements, { subnets, count: 2, clientToken: `g${i}-2-0-abc` });
    assert.equal(again[0].slot, picks[i]);
    assert.equal(again.length, 1);
  }
});

Deno.test("fleet placement: the client token's pick among equals is pinned, whatever the types", () => {
  const zone = (a1: number, a2: number) =>
    facts([["subnet-a1", "us-east-1a", a1], ["subnet-a2", "us-east-1a", a2]]);
  const pick = (types: string[], subnets: Map<string, SubnetFacts>, count: number) =>
    ["t0", "t1", "t2", "t3"].map((clientToken) =>
      subnetsOf(
        fleetPlacements(placementsOf(types, ["subnet-a1", "subnet-a2"]), {
          subnets,
          count,
          clientToken,
        }),
      ).join()
    );
  const alternating = ["subnet-a1", "subnet-a2", "subnet-a1", "subnet-a2"];
  // Each subnet counts once per zone, however many types it carries.
  assert.deepEqual(pick(["m5.large", "c5.large"], zone(5, 5), 1), alternating);
  assert.deepEqual(pick(["m5.large"], zone(5, 5), 1), alternating);
  // Room for exactly the batch is room: both subnets qualify, the token picks.
  assert.deepEqual(pick(["m5.large"], zone(10, 12), 10), alternating);
  // A call for 0 machines still needs one free address.
  assert.deepEqual(pick(["m5.large"], zone(1, 1), 0), alternating);
  assert.deepEqual(pick(["m5.large"], zone(0, 1), 0), Array(4).fill("subnet-a2"));
  // After a failure left c5.large in subnet-a1 out, subnet-a2 still counts once.
  const placements = placementsOf(["m5.large", "c5.large"], ["subnet-a1", "subnet-a2"])
    .filter((p) => !(p.size === "c5.large" && p.slot === "subnet-a1"));
  assert.deepEqual(
    ["t0", "t1", "t2", "t3", "t4", "t5"].map((clientToken) =>
      subnetsOf(fleetPlacements(placements, { subnets: zone(5, 5), count: 1, clientToken })).join()
    ),
    ["subnet-a1", "subnet-a2", "subnet-a1", "subnet-a2", "subnet-a1", "subnet-a2"],
  );
});

Deno.test("fleet placement: two subnets the provider could not describe are two zones", () => {
  const chosen = fleetPlacements(placementsOf(["m5.large"], ["subnet-x1", "subnet-x2"]), {
    subnets: new Map(),
    count: 1,
    clientToken: "t0",
  });
  assert.deepEqual(subnetsOf(chosen), ["subnet-x1", "subnet-x2"]);
});

Deno.test("fleet placement: picks among three equal subnets are pinned per token", () => {
  const subnets = facts([
    ["subnet-a1", "us-east-1a", 500],
    ["subnet-a2", "us-east-1a", 500],
    ["subnet-a3", "us-east-1a", 500],
  ]);
  const placements = placementsOf(["m5.large"], ["subnet-a1", "subnet-a2", "subnet-a3"]);
  assert.deepEqual(
    ["t0", "t1", "t2", "t3", "t4", "t5"].map((clientToken) =>
      fleetPlacements(placements, { subnets, count: 2, clientToken })[0].slot
    ),
    ["subnet-a1", "subnet-a3", "subnet-a3", "subnet-a2", "subnet-a2", "subnet-a2"],
  );
});
