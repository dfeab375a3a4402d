/**
 * The state EC2 reports for instances the database still thinks are alive:
 * the reaper's fallback for a spot reclaim whose notice never reached the
 * core (EC2 says `Server.SpotInstanceTermination`), and for instances
 * terminated behind Gantry's back.
 */
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { UpstreamError } from "../../shared/errors.ts";
import type { MachineState } from "../scheduler/reap_plan.ts";

/** One DescribeInstances call per 200 ids; ids EC2 no longer knows are reported as gone. */
export async function describeInstanceStates(
  ec2: EC2Client,
  ids: readonly string[],
): Promise<MachineState[]> {
  const states: MachineState[] = [];
  for (let start = 0; start < ids.length; start += 200) {
    const chunk = ids.slice(start, start + 200);
    let page;
    try {
      page = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [...chunk] }] }),
      );
    } catch (cause) {
      const name = (cause as { name?: string }).name ?? "Error";
      throw new UpstreamError(`EC2 DescribeInstances: ${name}`, { cause });
    }
    const seen = new Set<string>();
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (!instance.InstanceId) continue;
        seen.add(instance.InstanceId);
        states.push({
          id: instance.InstanceId,
          state: instance.State?.Name ?? "unknown",
          stateReason: instance.StateReason?.Code ?? null,
        });
      }
    }
    // A filter (unlike InstanceIds) does not fail on ids EC2 has forgotten.
    for (const id of chunk) {
      if (!seen.has(id)) states.push({ id, state: "gone", stateReason: null });
    }
  }
  return states;
}
