/**
 * DescribeSubnets for the subnets a request names. The emulator has no VPC
 * inventory: any well-formed subnet id exists, in the zone placement.ts
 * assigns it, with the addresses faults.ts gives it (a /20 by default) less
 * one per live instance in it, reported as `availableIpAddressCount`.
 *
 * @module
 */

import type { ActionHandler } from "./context.ts";
import { OWNER_ID } from "./instance_actions.ts";
import { availabilityZoneOfSubnet, zoneIdOf } from "./placement.ts";
import { Ec2ApiError, hashOf, listValues, matchesPattern, parseFilters } from "./protocol.ts";

const SUBNET_PATTERN = /^subnet-[0-9a-z]+$/;

/** DescribeSubnets by `SubnetId.N`, narrowed by `subnet-id` / `availability-zone` filters. */
export const describeSubnets: ActionHandler = (params, context) => {
  const ids = listValues(params, "SubnetId");
  const unknown = ids.find((id) => !SUBNET_PATTERN.test(id));
  if (unknown !== undefined) {
    throw new Ec2ApiError("InvalidSubnetID.NotFound", `The subnet ID '${unknown}' does not exist`);
  }
  const filters = parseFilters(params);
  const subnets = [...new Set(ids)].map((subnetId) => {
    const availabilityZone = availabilityZoneOfSubnet(subnetId);
    return { subnetId, availabilityZone };
  }).filter((subnet) =>
    filters.every((filter) => {
      const value = filter.name === "subnet-id"
        ? subnet.subnetId
        : filter.name === "availability-zone"
        ? subnet.availabilityZone
        : undefined;
      if (value === undefined) {
        throw new Ec2ApiError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
      }
      return filter.values.some((pattern) => matchesPattern(value, pattern));
    })
  );
  return {
    subnetSet: subnets.map(({ subnetId, availabilityZone }) => ({
      subnetId,
      subnetArn: `arn:aws:ec2:us-east-1:${OWNER_ID}:subnet/${subnetId}`,
      state: "available",
      vpcId: "vpc-0e1d2c3b4a5f60718",
      ownerId: OWNER_ID,
      cidrBlock: `10.${hashOf(subnetId) % 250}.0.0/20`,
      availableIpAddressCount: context.faults.freeAddresses(subnetId),
      availabilityZone,
      availabilityZoneId: zoneIdOf(availabilityZone),
      defaultForAz: false,
      mapPublicIpOnLaunch: false,
    })),
  };
};
