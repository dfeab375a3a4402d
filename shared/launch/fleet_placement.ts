/**
 * Which subnets one EC2 Fleet call carries. A fleet cannot span two subnets
 * of the same Availability Zone (EC2 user guide, "EC2 Fleet quotas"), so a
 * call takes one subnet per zone: one with room for the whole batch when a
 * zone has several, else the roomiest. Among equals the client token picks,
 * so successive calls spread over a zone's subnets while a replay of one call
 * (same token, same facts) sends the very same overrides. On EC2 a
 * placement's slot is a subnet id and its size an instance type.
 *
 * @module
 */
import type { Placement } from "./batch.ts";
import { fnv1a32 } from "../fnv.ts";

/** What the provider knows of a subnet (EC2 DescribeSubnets). */
export interface SubnetFacts {
  availabilityZone: string;
  availableIpAddressCount: number;
}

/** The placements of one fleet call: at most one subnet per zone, in the given order. */
export function fleetPlacements(
  placements: readonly Placement[],
  options: {
    subnets: ReadonlyMap<string, SubnetFacts>;
    /** Machines the call asks for. */
    count: number;
    clientToken: string;
  },
): Placement[] {
  const { subnets, count, clientToken } = options;
  const byZone = new Map<string, string[]>();
  for (const { slot: subnetId } of placements) {
    // A subnet the provider could not describe counts as its own zone: EC2 will say what it thinks.
    const zone = subnets.get(subnetId)?.availabilityZone ?? `?${subnetId}`;
    const inZone = byZone.get(zone) ?? [];
    if (!inZone.includes(subnetId)) inZone.push(subnetId);
    byZone.set(zone, inZone);
  }
  const chosen = new Set<string>();
  for (const [zone, ids] of byZone) {
    const free = (id: string) => subnets.get(id)?.availableIpAddressCount ?? 0;
    const roomy = ids.filter((id) => free(id) >= Math.max(count, 1));
    const most = Math.max(...ids.map(free));
    const candidates = roomy.length > 0
      ? roomy
      : most > 0
      ? ids.filter((id) => free(id) === most)
      : ids;
    chosen.add(candidates[fnv1a32(`${clientToken}|${zone}`) % candidates.length]);
  }
  return placements.filter((placement) => chosen.has(placement.slot));
}
