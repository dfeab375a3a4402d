/**
 * Where emulated instances land: the emulator's availability zones and the
 * deterministic subnet → zone mapping that keeps placement stable across runs.
 *
 * @module
 */

import { hashOf } from "./protocol.ts";

/** The region the emulator pretends to be. */
export const REGION = "us-east-1";

/** The availability zones of the emulated region, in order. */
export const AVAILABILITY_ZONES: readonly string[] = [
  "us-east-1a",
  "us-east-1b",
  "us-east-1c",
  "us-east-1d",
  "us-east-1e",
  "us-east-1f",
];

/**
 * The zone a subnet lives in. A subnet id whose first character after
 * `subnet-` names a zone letter (`subnet-a…` → us-east-1a) lands there, so a
 * test can pick a zone by naming its subnet; any other id is placed by hash.
 */
export function availabilityZoneOfSubnet(subnetId: string): string {
  const letter = subnetId.slice("subnet-".length, "subnet-".length + 1);
  const named = AVAILABILITY_ZONES.find((zone) => zone.endsWith(letter));
  return named ?? AVAILABILITY_ZONES[hashOf(subnetId) % AVAILABILITY_ZONES.length];
}

/** The zone id (`use1-az1`) AWS reports beside a zone name. */
export function zoneIdOf(availabilityZone: string): string | undefined {
  const index = AVAILABILITY_ZONES.indexOf(availabilityZone);
  return index === -1 ? undefined : `use1-az${index + 1}`;
}

/** A private address inside the subnet's /16, unique per launch sequence number. */
export function privateIpFor(subnetId: string, sequence: number): string {
  const subnetOctet = hashOf(subnetId) % 250;
  return `10.${subnetOctet}.${Math.floor(sequence / 250) % 250}.${(sequence % 250) + 4}`;
}
