/**
 * The state EC2 reports for instances the database still thinks are alive:
 * the reaper's fallback for a spot reclaim whose notice never reached the
 * core (EC2 says `Server.SpotInstanceTermination`), and for instances
 * terminated behind Gantry's back.
 */
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { type MachineState, TransientError } from "../provider.ts";
import { providerErrorOfEc2 } from "./ec2_errors.ts";

/** Most values one DescribeInstances filter takes. */
const FILTER_VALUES = 200;
/** The largest page DescribeInstances gives (MaxResults 5–1000, DescribeInstances API reference). */
export const DESCRIBE_PAGE = 1000;

/**
 * DescribeInstances by 200 ids at a time, every page followed. An id EC2
 * does not list is reported as gone, which with EC2's eventual consistency
 * may only mean it is too new to be listed: the caller decides when to
 * believe it (see core/scheduler/absence.ts).
 */
export async function describeInstanceStates(
  ec2: EC2Client,
  ids: readonly string[],
): Promise<MachineState[]> {
  const states: MachineState[] = [];
  for (let start = 0; start < ids.length; start += FILTER_VALUES) {
    const chunk = ids.slice(start, start + FILTER_VALUES);
    const seen = new Set<string>();
    let NextToken: string | undefined;
    do {
      let page;
      try {
        page = await ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: "instance-id", Values: [...chunk] }],
            MaxResults: DESCRIBE_PAGE,
            NextToken,
          }),
        );
      } catch (cause) {
        const name = (cause as { name?: string }).name ?? "Error";
        throw providerErrorOfEc2("DescribeInstances", cause) ??
          new TransientError(`EC2 DescribeInstances: ${name}`, { providerCode: name, cause });
      }
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (!instance.InstanceId || seen.has(instance.InstanceId)) continue;
          seen.add(instance.InstanceId);
          states.push({
            id: instance.InstanceId,
            state: instance.State?.Name ?? "unknown",
            stateReason: instance.StateReason?.Code ?? null,
            isSpotReclaimed: isSpotReclaimedReason(instance.StateReason?.Code ?? null),
          });
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    // A filter (unlike InstanceIds) does not fail on ids EC2 has forgotten.
    for (const id of chunk) {
      if (!seen.has(id)) {
        states.push({ id, state: "gone", stateReason: null, isSpotReclaimed: false });
      }
    }
  }
  return states;
}

/** Whether EC2's state reason says it took the instance back (spot capacity reclaimed). */
export function isSpotReclaimedReason(code: string | null): boolean {
  return code === "Server.SpotInstanceTermination";
}
