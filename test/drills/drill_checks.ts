/** What every launch drill asserts: 0 jobs lost, 0 instances launched twice. */
import assert from "node:assert/strict";
import type { CoreProcessStack } from "../support/core_process_stack.ts";

/** Waits until every job has an instance (state `starting`), then checks one instance per job. */
export async function assertEveryJobLaunchedOnce(
  stack: CoreProcessStack,
  jobs: readonly number[],
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let states = await stack.states();
  while (!jobs.every((id) => states.get(String(id))?.state === "starting") && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    states = await stack.states();
  }
  const lost = jobs.filter((id) => states.get(String(id))?.state !== "starting");
  assert.deepEqual(
    lost,
    [],
    `jobs lost: ${JSON.stringify(lost.map((id) => [id, states.get(String(id))]))}`,
  );
  const instances = stack.ec2.instances();
  assert.equal(instances.length, jobs.length, "0 instances launched twice");
  const assigned = new Set(jobs.map((id) => states.get(String(id))!.instanceId));
  assert.equal(assigned.size, jobs.length, "one instance per job");
}
