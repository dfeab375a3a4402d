import assert from "node:assert/strict";
import { comparePools, type RoutablePool, routeJob } from "./routing.ts";

function pool(name: string, fields: Partial<RoutablePool> = {}): RoutablePool {
  return {
    id: `pool-${name}`,
    project: "my-app",
    name,
    priority: 100,
    isDefault: false,
    isEnabled: true,
    extraLabels: [],
    ...fields,
  };
}

const REPO = "octocat/hello-world";
const small = pool("small", { isDefault: true, priority: 10 });
const large = pool("large", { priority: 20 });
const gpu = pool("gpu", { priority: 30, extraLabels: ["cuda"] });

interface RoutedCase {
  name: string;
  labels: string[];
  pools: RoutablePool[];
  repo?: string;
  wantPool: string;
  wantLabels?: string[];
  wantPin?: string;
}

const routed: RoutedCase[] = [
  {
    name: "the pool named in runs-on wins over the default pool",
    labels: ["self-hosted", "my-app", "large", "octocat-hello-world"],
    pools: [small, large],
    wantPool: "large",
    wantLabels: ["self-hosted", "my-app", "large", "octocat-hello-world"],
  },
  {
    name: "labels match whatever their case or camel-casing",
    labels: ["Self-Hosted", "MyApp", "LARGE", "Octocat/Hello-World"],
    pools: [small, large],
    wantPool: "large",
  },
  {
    name: "a project name spelled MyApp matches runs-on my-app",
    labels: ["self-hosted", "my-app"],
    pools: [pool("small", { project: "MyApp", isDefault: true })],
    wantPool: "small",
    wantLabels: ["self-hosted", "my-app", "small", "octocat-hello-world"],
  },
  {
    name: "among pools named in runs-on the lowest priority number wins",
    labels: ["self-hosted", "large", "xl"],
    pools: [
      small,
      pool("large", { priority: 20, extraLabels: ["xl"] }),
      pool("xl", { priority: 5, extraLabels: ["large"] }),
    ],
    wantPool: "xl",
  },
  {
    name: "a named pool wins over a default pool with a lower priority number",
    labels: ["self-hosted", "large"],
    pools: [pool("small", { isDefault: true, priority: 1, extraLabels: ["large"] }), large],
    wantPool: "large",
  },
  {
    name: "without a named pool the default pool wins",
    labels: ["self-hosted", "my-app"],
    pools: [large, small],
    wantPool: "small",
  },
  {
    name: "the default pool wins even when another pool has a lower priority number",
    labels: ["self-hosted", "my-app"],
    pools: [pool("a", { priority: 1 }), pool("b", { priority: 50, isDefault: true })],
    wantPool: "b",
  },
  {
    name: "without a named or default pool the lowest priority number wins",
    labels: ["self-hosted", "cuda"],
    pools: [small, large, gpu, pool("gpu2", { priority: 5, extraLabels: ["cuda"] })],
    wantPool: "gpu2",
  },
  {
    name: "a default pool that lacks a required label is passed over",
    labels: ["my-app", "cuda"],
    pools: [small, gpu],
    wantPool: "gpu",
    wantLabels: ["self-hosted", "my-app", "gpu", "octocat-hello-world", "cuda"],
  },
  {
    name: "a disabled pool is skipped even with the lowest priority number",
    labels: ["self-hosted", "my-app"],
    pools: [pool("a", { priority: 50 }), pool("b", { priority: 1, isEnabled: false })],
    wantPool: "a",
  },
  {
    name: "a disabled default pool is skipped",
    labels: ["self-hosted"],
    pools: [pool("small", { isDefault: true, isEnabled: false }), large],
    wantPool: "large",
  },
  {
    name: "the repo label is per repository",
    labels: ["self-hosted", "acme-widgets"],
    pools: [small],
    repo: "Acme/Widgets",
    wantPool: "small",
    wantLabels: ["self-hosted", "my-app", "small", "acme-widgets"],
  },
  {
    name: "a pin label takes no part in matching and is passed through",
    labels: ["self-hosted", "large", "gantry-run=Run_42"],
    pools: [small, large],
    wantPool: "large",
    wantLabels: ["self-hosted", "my-app", "large", "octocat-hello-world", "gantry-run=Run_42"],
    wantPin: "Run_42",
  },
  {
    name: "equal priorities fall to the name",
    labels: ["self-hosted"],
    pools: [pool("bravo"), pool("alpha")],
    wantPool: "alpha",
  },
  {
    name: "equal priorities and names fall to the id",
    labels: ["self-hosted", "same"],
    pools: [pool("same", { id: "p2" }), pool("same", { id: "p1" })],
    wantPool: "same",
    wantLabels: ["self-hosted", "my-app", "same", "octocat-hello-world"],
  },
];

for (const c of routed) {
  Deno.test(`routeJob: ${c.name}`, () => {
    const decision = routeJob({ repoFullName: c.repo ?? REPO, labels: c.labels }, c.pools);
    assert.equal(decision.kind, "routed", JSON.stringify(decision));
    if (decision.kind !== "routed") return;
    assert.equal(decision.pool.name, c.wantPool);
    if (c.wantLabels) assert.deepEqual(decision.labels, c.wantLabels);
    assert.equal(decision.pin, c.wantPin);
  });
}

Deno.test("routeJob: ties are broken the same way whatever the input order", () => {
  const pools = [
    pool("same", { id: "p2" }),
    pool("same", { id: "p1" }),
    pool("zulu", { priority: 1 }),
  ];
  for (const order of [pools, [...pools].reverse(), [pools[1], pools[2], pools[0]]]) {
    const decision = routeJob({ repoFullName: REPO, labels: ["same"] }, order);
    assert.equal(decision.kind === "routed" && decision.pool.id, "p1");
    const any = routeJob({ repoFullName: REPO, labels: ["my-app"] }, order);
    assert.equal(any.kind === "routed" && any.pool.name, "zulu");
  }
  assert.ok(comparePools(pool("a", { priority: 1 }), pool("b", { priority: 2 })) < 0);
  assert.ok(comparePools(pool("b"), pool("a")) > 0);
  assert.equal(comparePools(pool("a"), pool("a")), 0);
});

interface DroppedCase {
  name: string;
  labels: string[];
  pools: RoutablePool[];
  wantReason: string;
}

const droppedCases: DroppedCase[] = [
  {
    name: "a label no pool offers is named in the reason",
    labels: ["self-hosted", "gpu"],
    pools: [small, large],
    wantReason: 'no enabled pool of project "my-app" has labels [gpu]',
  },
  {
    name: "two labels no pool offers are both named, comma-separated",
    labels: ["self-hosted", "gpu", "tpu"],
    pools: [small, large],
    wantReason: 'no enabled pool of project "my-app" has labels [gpu, tpu]',
  },
  {
    name: "labels offered only by different pools are reported together",
    labels: ["large", "cuda"],
    pools: [small, large, gpu],
    wantReason: 'no single enabled pool of project "my-app" has all of labels [large, cuda]',
  },
  {
    name: "a label offered only by a disabled pool does not match",
    labels: ["self-hosted", "large"],
    pools: [small, pool("large", { isEnabled: false })],
    wantReason: 'no enabled pool of project "my-app" has labels [large]',
  },
  {
    name: "a label that sanitises to nothing matches nothing",
    labels: ["self-hosted", "!!!"],
    pools: [small],
    wantReason: 'no enabled pool of project "my-app" has labels ["!!!"]',
  },
  {
    name: "labels that sanitise to nothing are each named as the workflow spelled them",
    labels: ["self-hosted", "!!!", "???"],
    pools: [small],
    wantReason: 'no enabled pool of project "my-app" has labels ["!!!", "???"]',
  },
  {
    name: "a job with only a pin label matches nothing",
    labels: ["gantry-run=abc"],
    pools: [small, large],
    wantReason: "the job's runs-on has no labels to match (a pin label does not count); " +
      'add the pool\'s labels to runs-on (project "my-app")',
  },
  {
    name: "a job with no labels matches nothing",
    labels: [],
    pools: [small],
    wantReason: "the job's runs-on has no labels to match (a pin label does not count); " +
      'add the pool\'s labels to runs-on (project "my-app")',
  },
  {
    name: "a project with no pools says so",
    labels: ["self-hosted"],
    pools: [],
    wantReason: 'repository "octocat/hello-world" is bound to a project with no pools',
  },
  {
    name: "a project whose pools are all disabled says so",
    labels: ["self-hosted"],
    pools: [pool("small", { isEnabled: false }), pool("large", { isEnabled: false })],
    wantReason: 'all 2 pool(s) of project "my-app" are disabled',
  },
];

for (const c of droppedCases) {
  Deno.test(`routeJob drops: ${c.name}`, () => {
    const decision = routeJob({ repoFullName: REPO, labels: c.labels }, c.pools);
    assert.deepEqual(decision, { kind: "dropped", reason: c.wantReason });
  });
}
