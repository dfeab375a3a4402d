/**
 * The scheduler plans with the provider's capabilities, not its name: a
 * provider without spot machines is never asked for spot, and a machine it
 * ends, or a notice from one of its machines, is never taken for a spot
 * reclaim. Fake providers over a real libSQL store.
 */
import assert from "node:assert/strict";
import { parseClientToken, placementsOf } from "../../shared/launch/batch.ts";
import { project, REPO } from "../../test/core/fixture.ts";
import { startLibsqlServer } from "../../test/support/libsql/server.ts";
import { openDatabase } from "../db/database.ts";
import { LaunchQueries } from "../db/launch_queries.ts";
import { migrate } from "../db/migrate.ts";
import { seedProjects } from "../db/seed.ts";
import { type NewJobRow, Store } from "../db/store.ts";
import { createLogger } from "../log.ts";
import type {
  LaunchRequest,
  MachineState,
  Provider,
  ProviderCapabilities,
} from "../providers/provider.ts";
import { JobEvents } from "./job_events.ts";
import { launchBatch } from "./launch_batch.ts";
import { reapOnce } from "./reaper.ts";

const NO_SPOT: ProviderCapabilities = { spot: false, fleetBatching: false, stopStart: false };
const WITH_SPOT: ProviderCapabilities = { spot: true, fleetBatching: true, stopStart: false };

/** A provider that records what it is asked and launches nothing. */
function fakeProvider(capabilities: ProviderCapabilities, described: MachineState[] = []) {
  const launches: LaunchRequest[] = [];
  const provider: Provider = {
    capabilities,
    placementsOf: () => placementsOf(["small"], ["host-1"]),
    ensureTemplate: (pool) => Promise.resolve({ id: `tpl-${pool.id}`, version: 1, hash: "h" }),
    launch: (request) => {
      launches.push(request);
      return Promise.resolve({ machines: [], failures: [] });
    },
    terminate: () => Promise.resolve({ notFound: [] }),
    describe: (ids) => Promise.resolve(described.filter((m) => ids.includes(m.id))),
    listManaged: () => Promise.resolve([]),
    quote: () => Promise.resolve(null),
  };
  return { provider, launches };
}

/** A real libSQL store with one project bound to acme/web and one spot pool. */
async function spotPoolStore() {
  const server = await startLibsqlServer();
  const { client, db } = await openDatabase(server.url);
  await migrate(client);
  await seedProjects(db, project({ spot: true }), 1_000);
  const store = new Store(client, db);
  const binding = (await store.bindingOf(REPO))!;
  return {
    store,
    binding,
    pool: binding.pools[0],
    async close() {
      client.close();
      await server.close();
    },
  };
}

function jobRow(id: string, overrides: Partial<NewJobRow>): NewJobRow {
  return {
    id,
    githubJobId: Number(id),
    runId: 1,
    installationId: 1,
    repoFullName: REPO,
    jobName: "build",
    sha: "abc",
    labels: ["self-hosted"],
    state: "queued",
    queuedAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

const log = createLogger({ level: "error", format: "json" }, () => {});

/** The launch request one batch of a spot pool sends to `capabilities`' provider. */
async function launchSpotPool(capabilities: ProviderCapabilities): Promise<LaunchRequest> {
  const books = await spotPoolStore();
  try {
    const { store, binding, pool } = books;
    await store.insertJob(jobRow("7", { state: "launching", poolId: pool.id }), 1_000);
    const { provider, launches } = fakeProvider(capabilities);
    const clientToken = "g1-1-0-7-1";
    const result = await launchBatch({
      clientToken,
      token: parseClientToken(clientToken)!,
      jobs: [(await store.job("7"))!],
      binding,
      pool,
    }, {
      launches: new LaunchQueries(store),
      store,
      provider,
      github: {
        generateJitConfig: () => Promise.reject(new Error("no machine: no runner to register")),
        removeRunner: () => Promise.reject(new Error("no runner to remove")),
      },
      vault: {
        batchToken: () => Promise.resolve("batch-token"),
        deposit: () => Promise.reject(new Error("no machine: nothing to deposit")),
      },
      log,
      now: () => 2_000,
      runners: { edgeUrl: "http://127.0.0.1:1", bootTimeoutSeconds: 600 },
    });
    assert.deepEqual(result.leftover.map((job) => job.id), ["7"]);
    assert.equal(launches.length, 1);
    return launches[0];
  } finally {
    await books.close();
  }
}

Deno.test("a spot pool on a provider without spot is launched on-demand", async () => {
  const request = await launchSpotPool(NO_SPOT);
  assert.equal(request.pool.isSpot, false);
  assert.equal(request.pool.name, "small");
});

Deno.test("a spot pool on a provider with spot asks for spot", async () => {
  assert.equal((await launchSpotPool(WITH_SPOT)).pool.isSpot, true);
});

/** A running job's machine ended with a spot-reclaim reason; what the reaper makes of it. */
async function reapReclaimed(capabilities: ProviderCapabilities) {
  const books = await spotPoolStore();
  try {
    const { store, pool } = books;
    await store.insertJob(
      jobRow("9", { state: "running", poolId: pool.id, instanceId: "m-1" }),
      1_000,
    );
    await store.recordInstances([{
      id: "m-1",
      poolId: pool.id,
      jobId: "9",
      runnerName: "gantry-9-1",
      isSpot: true,
      state: "running",
      launchedAt: 1_000,
    }]);
    const { provider } = fakeProvider(capabilities, [{
      id: "m-1",
      state: "terminated",
      stateReason: "Server.SpotInstanceTermination",
      isSpotReclaimed: true,
    }]);
    await reapOnce({
      store,
      provider,
      log,
      now: () => 60_000,
      bootTimeoutSeconds: 600,
      maxRuntimeMinutes: 60,
    });
    return {
      interruptedAt: (await store.job("9"))!.interruptedAt,
      reason: (await store.instanceByRunnerName("gantry-9-1"))!.terminationReason,
    };
  } finally {
    await books.close();
  }
}

Deno.test("a provider without spot: a machine it ended is no spot reclaim, its job is not marked", async () => {
  assert.deepEqual(await reapReclaimed(NO_SPOT), {
    interruptedAt: null,
    reason: "ended outside Gantry (terminated: Server.SpotInstanceTermination)",
  });
});

Deno.test("a provider with spot: the reclaimed machine's job is marked interrupted", async () => {
  assert.deepEqual(await reapReclaimed(WITH_SPOT), {
    interruptedAt: 60_000,
    reason: "spot interruption",
  });
});

/** A runner's spot-interruption notice for a running job; whether the job is marked. */
async function noticeInterruption(capabilities: ProviderCapabilities): Promise<number | null> {
  const books = await spotPoolStore();
  try {
    const { store, pool } = books;
    await store.insertJob(
      jobRow("11", { state: "running", poolId: pool.id, instanceId: "m-2" }),
      1_000,
    );
    const refuse = () => Promise.reject(new Error("no re-run expected"));
    const events = new JobEvents({
      store,
      provider: fakeProvider(capabilities).provider,
      github: {
        jobsOfRun: refuse,
        workflowRun: refuse,
        rerunJob: refuse,
        rerunFailedJobs: refuse,
      },
      log,
      now: () => 5_000,
      pokeLauncher: () => {},
    });
    await events.handle({
      type: "runner_event",
      deliveryId: "d-1",
      receivedAt: 5_000,
      jobId: "11",
      runnerName: "gantry-11-1",
      instanceId: "m-2",
      kind: "spot-interruption-notice",
    });
    return (await store.job("11"))!.interruptedAt;
  } finally {
    await books.close();
  }
}

Deno.test("a provider without spot: an interruption notice marks no job", async () => {
  assert.equal(await noticeInterruption(NO_SPOT), null);
});

Deno.test("a provider with spot: an interruption notice marks the job running there", async () => {
  assert.equal(await noticeInterruption(WITH_SPOT), 5_000);
});
