/**
 * The zone and free addresses of each subnet a pool launches into, from
 * DescribeSubnets, cached briefly: fleet calls need the zone (one subnet per
 * zone) and prefer subnets with room (AvailableIpAddressCount).
 */
import { DescribeSubnetsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { SubnetFacts } from "../../../shared/launch/fleet_placement.ts";

/** How long a subnet's facts are trusted; free addresses drift as instances come and go. */
export const SUBNET_CACHE_MS = 60_000;

export class SubnetDirectory {
  #cache = new Map<string, { facts: SubnetFacts; at: number }>();

  constructor(readonly options: { ec2: EC2Client; now: () => number; cacheMs?: number }) {}

  /** Facts for `ids` (one DescribeSubnets for those missing or stale). */
  async describe(ids: readonly string[]): Promise<Map<string, SubnetFacts>> {
    const { now, cacheMs = SUBNET_CACHE_MS } = this.options;
    const unique = [...new Set(ids)];
    const stale = unique.filter((id) => {
      const cached = this.#cache.get(id);
      return !cached || now() - cached.at >= cacheMs;
    });
    if (stale.length > 0) {
      const { Subnets = [] } = await this.options.ec2.send(
        new DescribeSubnetsCommand({ SubnetIds: stale }),
      );
      const at = now();
      for (const subnet of Subnets) {
        if (!subnet.SubnetId || !subnet.AvailabilityZone) continue;
        this.#cache.set(subnet.SubnetId, {
          facts: {
            availabilityZone: subnet.AvailabilityZone,
            availableIpAddressCount: subnet.AvailableIpAddressCount ?? 0,
          },
          at,
        });
      }
    }
    const facts = new Map<string, SubnetFacts>();
    for (const id of unique) {
      const cached = this.#cache.get(id);
      if (cached) facts.set(id, cached.facts);
    }
    return facts;
  }
}
