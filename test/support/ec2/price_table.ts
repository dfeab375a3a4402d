/**
 * The emulator's built-in prices: on-demand Linux hourly rates for a handful
 * of instance types in US East (N. Virginia), the same scaled per region in a
 * few other regions, and spot prices derived from them (about 30% of
 * on-demand, varying a little by zone so that a lowest-price allocation has
 * something to choose between).
 *
 * @module
 */

import { hashOf } from "./protocol.ts";

/** The Price List `location` of the emulated region. */
export const LOCATION = "US East (N. Virginia)";

/** A place the Price List prices EC2 in: its `regionCode`, `location` and `locationType`. */
export interface PriceLocation {
  regionCode: string;
  location: string;
  locationType: "AWS Region" | "AWS Local Zone";
  /** Its prices relative to us-east-1's. */
  factor: number;
}

/**
 * The places priced, with the Price List's own location names: older regions
 * keep "EU (…)", newer ones read "Europe (…)", and none can be derived from
 * the region code. A Local Zone shares its parent region's code prefix.
 */
export const PRICE_LOCATIONS: readonly PriceLocation[] = [
  { regionCode: "us-east-1", location: LOCATION, locationType: "AWS Region", factor: 1 },
  { regionCode: "us-west-2", location: "US West (Oregon)", locationType: "AWS Region", factor: 1 },
  { regionCode: "eu-west-1", location: "EU (Ireland)", locationType: "AWS Region", factor: 1.1 },
  { regionCode: "eu-south-2", location: "Europe (Spain)", locationType: "AWS Region", factor: 1.1 },
  {
    regionCode: "ap-southeast-3",
    location: "Asia Pacific (Jakarta)",
    locationType: "AWS Region",
    factor: 1.2,
  },
  {
    regionCode: "me-central-1",
    location: "Middle East (UAE)",
    locationType: "AWS Region",
    factor: 1.25,
  },
  {
    regionCode: "us-east-1-bos-1",
    location: "US East (Boston)",
    locationType: "AWS Local Zone",
    factor: 1.2,
  },
];

/** One row of the price table. */
export interface InstancePrice {
  /** On-demand Linux price in USD per hour. */
  onDemand: number;
  vcpu: number;
  memoryGib: number;
}

/** The built-in on-demand price table (public us-east-1 rates). */
export const INSTANCE_PRICES: Readonly<Record<string, InstancePrice>> = {
  "t3.micro": { onDemand: 0.0104, vcpu: 2, memoryGib: 1 },
  "t3.small": { onDemand: 0.0208, vcpu: 2, memoryGib: 2 },
  "t3.medium": { onDemand: 0.0416, vcpu: 2, memoryGib: 4 },
  "t3.large": { onDemand: 0.0832, vcpu: 2, memoryGib: 8 },
  "m5.large": { onDemand: 0.096, vcpu: 2, memoryGib: 8 },
  "m5.xlarge": { onDemand: 0.192, vcpu: 4, memoryGib: 16 },
  "c5.large": { onDemand: 0.085, vcpu: 2, memoryGib: 4 },
  "c5.xlarge": { onDemand: 0.17, vcpu: 4, memoryGib: 8 },
  "c6i.large": { onDemand: 0.085, vcpu: 2, memoryGib: 4 },
};

/** The on-demand Linux hourly price, or undefined for a type outside the table. */
export function onDemandPrice(instanceType: string): number | undefined {
  return INSTANCE_PRICES[instanceType]?.onDemand;
}

/** The current spot price in one zone: 28–32% of on-demand, stable per (type, zone). */
export function spotPrice(instanceType: string, availabilityZone: string): number | undefined {
  const onDemand = onDemandPrice(instanceType);
  if (onDemand === undefined) return undefined;
  const discount = 0.28 + (hashOf(`${instanceType}/${availabilityZone}`) % 5) / 100;
  return Math.round(onDemand * discount * 1e6) / 1e6;
}
