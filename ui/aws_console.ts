/**
 * Links from the console to the AWS console, in the instance's own region
 * and partition (commercial, China, GovCloud each have their own host).
 *
 * @module
 */

const REGION_OF_ZONE = /^((?:[a-z]{2})(?:-gov)?-[a-z]+-\d+)/;

/** The region an availability zone is in: `us-east-1a` → `us-east-1`; null when unknown. */
export function regionOfZone(zone: string | null): string | null {
  return zone === null ? null : REGION_OF_ZONE.exec(zone)?.[1] ?? null;
}

/** The AWS console page of one EC2 instance in `region`. */
export function instanceConsoleUrl(instanceId: string, region: string): string {
  const host = region.startsWith("cn-")
    ? "console.amazonaws.cn"
    : region.startsWith("us-gov-")
    ? "console.amazonaws-us-gov.com"
    : `${region}.console.aws.amazon.com`;
  const query = new URLSearchParams({ region });
  return `https://${host}/ec2/home?${query}#InstanceDetails:instanceId=${
    encodeURIComponent(instanceId)
  }`;
}
