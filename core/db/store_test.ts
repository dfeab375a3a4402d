import assert from "node:assert/strict";
import { IllegalTransitionError } from "../../shared/job_state.ts";
import { startLibsqlServer } from "../../test/support/libsql/server.ts";
import { openDatabase } from "./database.ts";
import { MIGRATIONS } from "../../shared/db/migrations.ts";
import { migrate } from "./migrate.ts";
import { seedProjects } from "./seed.ts";
import { type NewJobRow, Store } from "./store.ts";
import { eq } from "drizzle-orm";
import { pools, projects } from "../../shared/db/schema.ts";
import { poolSettingsOf, poolSettingsOfYaml, PoolYaml } from "../../shared/pool_fields.ts";

/** A fresh database on a real libSQL server, over HTTP as the core reaches it. */
async function freshStore() {
  const server = await startLibsqlServer();
  const { client, db } = await openDatabase(server.url);
  await migrate(client);
  const close = async () => {
    client.close();
    await server.close();
  };
  return { store: new Store(client, db), client, db, close };
}

/** A pool as the YAML config declares it, every field filled in. */
const SMALL_POOL = {
  name: "small",
  priority: 100,
  default: true,
  enabled: true,
  spawn: "run_instances" as const,
  spot: false,
  allocation_strategy: "lowest-price" as const,
  ami: "ami-0abc",
  instance_types: ["t3.small"],
  subnets: ["subnet-1"],
  security_groups: [],
  root_volume_gb: 30,
  root_volume_type: "gp3" as const,
  min_idle: 0,
  stopped_min: 0,
  cap: 0,
  extra_labels: [],
  tags: {},
};

function jobRow(id: string): NewJobRow {
  return {
    id,
    githubJobId: Number(id),
    runId: 1,
    installationId: 1,
    repoFullName: "octocat/hello-world",
    jobName: "build",
    sha: "abc",
    labels: ["self-hosted"],
    state: "queued",
    queuedAt: 1_000,
    updatedAt: 1_000,
  };
}

Deno.test("migrations apply once and are recorded", async () => {
  const { client, close } = await freshStore();
  assert.deepEqual(await migrate(client), [], "a second run applies nothing");
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  const names = tables.rows.map((r) => String(r.name));
  for (
    const table of [
      "projects",
      "pools",
      "repos",
      "jobs",
      "job_transitions",
      "instances",
      "audit_events",
      "users",
    ]
  ) {
    assert.ok(names.includes(table), `table ${table}`);
  }
  await close();
});

Deno.test("cores starting at once on a new database apply each migration once", async () => {
  const server = await startLibsqlServer();
  const clients = await Promise.all(
    [1, 2, 3].map(async () => (await openDatabase(server.url)).client),
  );
  try {
    const applied = await Promise.all(clients.map((client) => migrate(client)));
    const all = applied.flat().sort();
    assert.deepEqual(all, [...new Set(all)], "no migration applied twice");
    assert.deepEqual(all, MIGRATIONS.map((m) => m.tag).sort(), "every migration applied once");
    const recorded = await clients[0].execute("SELECT count(*) AS n FROM gantry_migrations");
    assert.equal(Number(recorded.rows[0].n), MIGRATIONS.length);
  } finally {
    for (const client of clients) client.close();
    await server.close();
  }
});

Deno.test("a job is inserted once, with its first transition", async () => {
  const { store, close } = await freshStore();
  assert.equal(await store.insertJob(jobRow("1"), 1_000), true);
  assert.equal(await store.insertJob({ ...jobRow("1"), jobName: "changed" }, 2_000), false);
  assert.equal((await store.job("1"))?.jobName, "build");
  const transitions = await store.transitionsOf("1");
  assert.deepEqual(transitions.map((t) => [t.fromState, t.toState, t.at]), [[
    null,
    "queued",
    1_000,
  ]]);
  await close();
});

Deno.test("jobs inserted together: each new one once, with its first transition", async () => {
  const { store, close } = await freshStore();
  await store.insertJob(jobRow("10"), 1_000);
  const inserted = await store.insertJobs([
    { row: jobRow("10"), at: 2_000 },
    { row: jobRow("11"), at: 2_000 },
    { row: { ...jobRow("11"), jobName: "again" }, at: 2_000 },
    { row: jobRow("12"), at: 2_000, reason: "adopted" },
  ]);
  assert.deepEqual(inserted, [false, true, false, true]);
  assert.equal((await store.job("11"))?.jobName, "build");
  for (const [id, at] of [["10", 1_000], ["11", 2_000], ["12", 2_000]] as const) {
    assert.deepEqual((await store.transitionsOf(id)).map((t) => [t.toState, t.at]), [[
      "queued",
      at,
    ]]);
  }
  assert.equal((await store.transitionsOf("12"))[0].reason, "adopted");
  await close();
});

Deno.test("a transition applies only from the state the caller saw", async () => {
  const { store, close } = await freshStore();
  await store.insertJob(jobRow("2"), 1_000);
  assert.equal(
    await store.transitionJob("2", { from: "queued", to: "claimed", at: 2_000 }, {
      claimedAt: 2_000,
    }),
    true,
  );
  // A second core (or a redelivered event) that also saw "queued" loses the race.
  assert.equal(await store.transitionJob("2", { from: "queued", to: "claimed", at: 3_000 }), false);
  const job = await store.job("2");
  assert.equal(job?.state, "claimed");
  assert.equal(job?.claimedAt, 2_000);
  assert.deepEqual((await store.transitionsOf("2")).map((t) => t.toState), ["queued", "claimed"]);
  await close();
});

Deno.test("an illegal transition is refused before touching the database", async () => {
  const { store, close } = await freshStore();
  await store.insertJob(jobRow("3"), 1_000);
  await assert.rejects(
    () => store.transitionJob("3", { from: "queued", to: "starting", at: 2_000 }),
    IllegalTransitionError,
  );
  assert.equal((await store.job("3"))?.state, "queued");
  await close();
});

Deno.test("seeding twice keeps ids and binds repos case-insensitively", async () => {
  const { store, db, close } = await freshStore();
  const declared = [{
    name: "my-app",
    cap: 0,
    tags: {},
    disabled: false,
    repos: [{ full_name: "OctoCat/Hello-World", tags: {} }],
    pools: [SMALL_POOL],
  }];
  await seedProjects(db, declared, 1_000);
  const first = await store.bindingOf("octocat/hello-world");
  await seedProjects(db, declared, 2_000);
  const second = await store.bindingOf("OCTOCAT/hello-world");
  assert.ok(first && second);
  assert.equal(second.project.id, first.project.id);
  assert.equal(second.pools[0].id, first.pools[0].id);
  assert.equal(second.pools[0].updatedAt, 1_000, "a second seed leaves existing rows alone");
  assert.equal(await store.bindingOf("octocat/other"), null);
  await close();
});

Deno.test("a pool declared in YAML is seeded with every field, root volume included", async () => {
  const { db, close } = await freshStore();
  const yaml = PoolYaml.parse({
    name: "fast",
    ami: "ami-0123456789abcdef0",
    instance_types: ["m7i.large"],
    subnets: ["subnet-1"],
    root_volume_gb: 200,
    root_volume_type: "gp3",
    root_volume_iops: 12_000,
    root_volume_throughput: 1000,
  });
  await seedProjects(db, [{
    name: "my-app",
    cap: 0,
    tags: {},
    disabled: false,
    repos: [],
    pools: [yaml],
  }], 1_000);
  const [row] = await db.select().from(pools);
  assert.deepEqual(poolSettingsOf(row), poolSettingsOfYaml(yaml));
  assert.deepEqual(
    [row.rootVolumeGb, row.rootVolumeType, row.rootVolumeIops, row.rootVolumeThroughput],
    [200, "gp3", 12_000, 1000],
  );
  assert.equal(row.instanceProfile, null);
  await close();
});

Deno.test("a repo without a binding routes to the project scoped to its org; a binding wins", async () => {
  const { store, db, close } = await freshStore();
  const pool = SMALL_POOL;
  await seedProjects(db, [
    {
      name: "bound",
      cap: 0,
      tags: {},
      disabled: false,
      repos: [{ full_name: "octocat/hello-world", cap: 3, tags: { team: "web" } }],
      pools: [pool],
    },
    { name: "org-wide", cap: 5, tags: { cost: "octo" }, disabled: false, repos: [], pools: [pool] },
  ], 1_000);
  // Stored mixed-case behind the API's back: the match must still ignore case.
  await db.update(projects).set({ org: "OctoCat" }).where(eq(projects.name, "org-wide"));

  const bound = await store.bindingOf("octocat/hello-world");
  assert.equal(bound?.project.name, "bound", "an explicit binding wins over the org scope");
  assert.equal(bound?.repo.cap, 3);

  const scoped = await store.bindingOf("OCTOCAT/Other-Repo");
  assert.ok(scoped, "any repo of the org routes to the org-scoped project");
  assert.equal(scoped.project.name, "org-wide");
  assert.equal(scoped.repo.fullName, "octocat/other-repo");
  assert.equal(scoped.repo.projectId, scoped.project.id);
  assert.equal(scoped.repo.cap, null, "no cap override");
  assert.deepEqual(scoped.repo.tags, {}, "no repo tags");
  assert.deepEqual(scoped.pools.map((p) => p.name), ["small"]);
  assert.notEqual(scoped.pools[0].id, bound?.pools[0].id, "the org project's own pools");

  assert.equal(await store.bindingOf("someone-else/repo"), null);
  assert.equal(await store.bindingOf("octocatx/repo"), null, "the owner must match exactly");
  await close();
});
