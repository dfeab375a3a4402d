/**
 * A burst leased in parts: while the edge says more events wait, the
 * launcher gathers instead of launching on a quiet window, so the parts go
 * in one call (libSQL, the EC2 emulator, the GitHub fake).
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

/** Fleet calls so far, by the capacity each asked for. */
const fleetCapacities = (stack: CoreFixture) =>
  stack.ec2Emulator.calls.filter((c) => c.action === "CreateFleet").map((c) =>
    c.params["TargetCapacitySpecification.TotalTargetCapacity"]
  );

async function burstInTwoParts(isMoreSaid: boolean): Promise<string[]> {
  const stack = await startCoreFixture();
  const launcher = new Launcher({
    ...stack.launcherOptions,
    batchWindowMs: WINDOW_MS,
  });
  try {
    // The first part of the burst, and the edge's word on what is left.
    await stack.store.insertJob(queuedJobRow(1), 1_000);
    launcher.expectMore(isMoreSaid);
    launcher.poke();
    if (isMoreSaid) {
      // The first part must not launch alone: watched past the quiet window (well short of
      // the cap of ten windows), then judged on the emulator's call log.
      await assertNeverWithin("the first part launched alone", 1.5 * WINDOW_MS, () => {
        const calls = fleetCapacities(stack);
        return calls.length === 0 ? null : `fleet calls ${JSON.stringify(calls)}`;
      });
    } else {
      // A quiet window launches the first part: wait for its call, however slow the machine.
      await waitFor(
        "the first part to launch",
        () => Promise.resolve(fleetCapacities(stack).length > 0 || undefined),
      );
    }
    await stack.store.insertJob(queuedJobRow(2), 1_000);
    launcher.expectMore(false);
    launcher.poke();
    await waitFor("both jobs to launch", async () => {
      const states = await Promise.all(["1", "2"].map((id) => stack.store.job(id)));
      return states.every((job) => job?.state === "starting") || undefined;
    });
    return fleetCapacities(stack);
  } finally {
    await launcher.drain();
    await stack.close();
  }
}

Deno.test("told more waits at the edge, the launcher gathers the burst's parts into one call", async () => {
  assert.deepEqual(await burstInTwoParts(true), ["2"]);
});

Deno.test("told nothing more waits, a quiet window launches what it has", async () => {
  assert.deepEqual(await burstInTwoParts(false), ["1", "1"]);
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
