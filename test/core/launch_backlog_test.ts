/**
 * Launch at once, gather only in bursts: a job that comes while nothing else
 * waits launches without waiting for the batch window; a burst leased in
 * parts (the edge says more events wait) gathers, so the parts go in one
 * call (libSQL, the EC2 emulator, the GitHub fake).
 */
import assert from "node:assert/strict";
import type { Provider } from "../../core/providers/provider.ts";
import { Launcher } from "../../core/scheduler/launcher.ts";
import { assertNeverWithin } from "../support/never.ts";
import { type CoreFixture, queuedJobRow, startCoreFixture, waitFor } from "./fixture.ts";

/**
 * The launcher's timers are real (it takes no timer to inject), so the window
 * is wide enough that recording the second part on a loaded machine stays
 * well inside the cap of ten windows (5 s) after the 0.75 s watch.
 */
const WINDOW_MS = 500;

/**
 * A window no test waits out: a job that launches within `waitFor`'s 15 s
 * did not wait for it (nor for its cap of ten windows).
 */
const LONG_WINDOW_MS = 60_000;

/** Fleet calls so far, by the capacity each asked for. */
const fleetCapacities = (stack: CoreFixture) =>
  stack.ec2Emulator.calls.filter((c) => c.action === "CreateFleet").map((c) =>
    c.params["TargetCapacitySpecification.TotalTargetCapacity"]
  );

Deno.test("told more waits at the edge, the launcher gathers the burst's parts into one call", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher({ ...stack.launcherOptions, batchWindowMs: WINDOW_MS });
  try {
    // The first part of the burst, and the edge's word on what is left.
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    launcher.expectMore(true);
    launcher.poke();
    // The first part must not launch alone: watched past the quiet window (well short of
    // the cap of ten windows), then judged on the emulator's call log.
    await assertNeverWithin("the first part launched alone", 1.5 * WINDOW_MS, () => {
      const calls = fleetCapacities(stack);
      return calls.length === 0 ? null : `fleet calls ${JSON.stringify(calls)}`;
    });
    // The last part is recorded, then the edge says the burst is over: no poke needed,
    // the launcher sweeps for the last part itself and launches the whole burst.
    await stack.store.insertJob(queuedJobRow(2), 1_000);
    launcher.expectMore(false);
    await waitFor("both jobs to launch", async () => {
      const states = await Promise.all(["1", "2"].map((id) => stack.store.job(id)));
      return states.every((job) => job?.state === "starting") || undefined;
    });
    assert.deepEqual(fleetCapacities(stack), ["2"]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("a lone job launches at once, without waiting for the batch window", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher({ ...stack.launcherOptions, batchWindowMs: LONG_WINDOW_MS });
  try {
    for (const id of [1, 2]) {
      await stack.store.insertJob(queuedJobRow(id), 1_000);
      launcher.poke();
      await waitFor(`job ${id} to launch`, async () => {
        return (await stack.store.job(String(id)))?.state === "starting" || undefined;
      });
    }
    assert.deepEqual(fleetCapacities(stack), ["1", "1"]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("a lone job's launch reads its repo's binding once: the launch call reuses admission's", async () => {
  const stack = await startCoreFixture();
  const reads: string[] = [];
  const store = stack.launcherOptions.store;
  const counted = new Proxy(store, {
    get(target, key, receiver) {
      if (key !== "bindingOf") return Reflect.get(target, key, receiver);
      return (repo: string) => {
        reads.push(repo);
        return target.bindingOf(repo);
      };
    },
  });
  const launcher = new Launcher({
    ...stack.launcherOptions,
    store: counted,
    batchWindowMs: LONG_WINDOW_MS,
  });
  try {
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    launcher.poke();
    await waitFor("job 1 to launch", async () => {
      return (await stack.store.job("1"))?.state === "starting" || undefined;
    });
    await launcher.settled();
    assert.deepEqual(fleetCapacities(stack), ["1"]);
    assert.deepEqual(reads, [queuedJobRow(1).repoFullName]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("jobs claimed in one sweep, with nothing else waiting, launch together at once", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher({ ...stack.launcherOptions, batchWindowMs: LONG_WINDOW_MS });
  try {
    for (const id of [1, 2, 3]) await stack.store.insertJob(queuedJobRow(id), 1_000);
    launcher.poke();
    await waitFor("the three jobs to launch", async () => {
      const states = await Promise.all(["1", "2", "3"].map((id) => stack.store.job(id)));
      return states.every((job) => job?.state === "starting") || undefined;
    });
    assert.deepEqual(fleetCapacities(stack), ["3"]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

Deno.test("a lone job does not wait for its key's launch call in flight", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher({ ...stack.launcherOptions, batchWindowMs: LONG_WINDOW_MS });
  try {
    // EC2 acts on launch calls at once but answers only 10 s later: the first job's call is
    // in flight all the while.
    stack.ec2Emulator.faults.stallLaunches({ ms: 10_000, forMs: 60_000 });
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    launcher.poke();
    await waitFor("the first job's call", () => Promise.resolve(fleetCapacities(stack).length > 0));
    await stack.store.insertJob(queuedJobRow(2), 1_000);
    launcher.poke();
    await waitFor(
      "the second job's call",
      () => Promise.resolve(fleetCapacities(stack).length > 1),
    );
    assert.equal((await stack.store.job("1"))?.state, "launching", "the first call is unanswered");
    assert.deepEqual(fleetCapacities(stack), ["1", "1"]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});

/** The same provider, saying it cannot launch many machines in one call. */
function withoutFleetCalls(provider: Provider): Provider {
  return {
    capabilities: { ...provider.capabilities, fleetBatching: false },
    placementsOf: (pool) => provider.placementsOf(pool),
    ensureTemplate: (pool) => provider.ensureTemplate(pool),
    launch: (request) => provider.launch(request),
    terminate: (ids) => provider.terminate(ids),
    describe: (ids) => provider.describe(ids),
    listManaged: () => provider.listManaged(),
    quote: (machine) => provider.quote(machine),
  };
}

Deno.test("a provider without fleet calls gets one machine per call", async () => {
  const stack = await startCoreFixture();
  const launcher = new Launcher({
    ...stack.launcherOptions,
    provider: withoutFleetCalls(stack.provider),
    batchWindowMs: WINDOW_MS,
  });
  try {
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    await stack.store.insertJob(queuedJobRow(2), 1_000);
    launcher.poke();
    await waitFor("both jobs to launch", async () => {
      const states = await Promise.all(["1", "2"].map((id) => stack.store.job(id)));
      return states.every((job) => job?.state === "starting") || undefined;
    });
    assert.deepEqual(fleetCapacities(stack), ["1", "1"]);
  } finally {
    await launcher.drain();
    await stack.close();
  }
});
