/**
 * Turns a launch request (RunInstances params, or one CreateFleet override)
 * layered over its launch template version into a validated LaunchSpec,
 * raising the permanent errors EC2 raises for bad AMIs, subnets and groups,
 * and for hibernation without an encrypted root volume (hibernation.ts).
 *
 * @module
 */

import { hibernationOf } from "./hibernation.ts";
import type { LaunchSpec } from "./instances.ts";
import type { EmulatedLaunchTemplate, EmulatedTemplateVersion } from "./launch_templates.ts";
import { AVAILABILITY_ZONES, availabilityZoneOfSubnet } from "./placement.ts";
import { spotPrice } from "./price_table.ts";
import {
  checkTagLimit,
  Ec2ApiError,
  listValues,
  type Params,
  parseTagSpecifications,
} from "./protocol.ts";

/** The parts a launch is assembled from. */
export interface LaunchInput {
  /** The launch template version the request names, if any. */
  template?: { template: EmulatedLaunchTemplate; version: EmulatedTemplateVersion };
  /** Request params in RunInstances spelling (`ImageId`, `SubnetId`, `Placement.AvailabilityZone`, …). */
  request: Params;
  /** Forces the market; otherwise `InstanceMarketOptions.MarketType` decides. */
  lifecycle?: "on-demand" | "spot";
  /** Instance tags added on top of the template's and the request's. */
  extraTags?: Record<string, string>;
  fleetId?: string;
}

const AMI_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** Merges request over template and validates the result; throws Ec2ApiError on a bad launch. */
export function buildLaunchSpec(input: LaunchInput): LaunchSpec {
  const data = input.template?.version.data ?? {};
  const { request } = input;
  const pick = (key: string): string | undefined => request[key] ?? data[key];

  const imageId = pick("ImageId");
  if (imageId === undefined) {
    throw new Ec2ApiError("MissingParameter", "The request must contain the parameter ImageId");
  }
  if (!AMI_PATTERN.test(imageId)) {
    throw new Ec2ApiError(
      "InvalidAMIID.Malformed",
      `Invalid id: "${imageId}" (expecting "ami-...")`,
    );
  }
  const instanceType = pick("InstanceType") ?? "m1.small";
  if (!INSTANCE_TYPE_PATTERN.test(instanceType)) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `Invalid value '${instanceType}' for InstanceType.`,
    );
  }

  const subnetId = pick("SubnetId") ?? pick("NetworkInterface.1.SubnetId");
  if (subnetId !== undefined && !/^subnet-[0-9a-z]+$/.test(subnetId)) {
    throw new Ec2ApiError("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
  }
  const availabilityZone = subnetId !== undefined
    ? availabilityZoneOfSubnet(subnetId)
    : pick("Placement.AvailabilityZone") ?? AVAILABILITY_ZONES[0];
  if (!AVAILABILITY_ZONES.includes(availabilityZone)) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `Invalid availability zone: [${availabilityZone}]`,
    );
  }

  const securityGroupIds = securityGroupsOf(request).length > 0
    ? securityGroupsOf(request)
    : securityGroupsOf(data);
  const unknownGroup = securityGroupIds.find((id) => !/^sg-[0-9a-f]+$/.test(id));
  if (unknownGroup !== undefined) {
    throw new Ec2ApiError(
      "InvalidGroup.NotFound",
      `The security group '${unknownGroup}' does not exist`,
    );
  }

  const lifecycle = input.lifecycle ??
    (pick("InstanceMarketOptions.MarketType") === "spot" ? "spot" : "on-demand");
  if (lifecycle === "spot") {
    checkSpotMaxPrice(
      instanceType,
      availabilityZone,
      pick("InstanceMarketOptions.SpotOptions.MaxPrice"),
    );
  }

  const hibernation = hibernationOf({ imageId, request, template: data });
  const template = input.template;
  const tags = {
    ...parseTagSpecifications(data).get("instance"),
    ...parseTagSpecifications(request).get("instance"),
    ...input.extraTags,
    ...awsTags(input),
  };
  checkTagLimit(tags, "instance");
  return {
    imageId,
    instanceType,
    availabilityZone,
    subnetId,
    lifecycle,
    tags,
    securityGroupIds,
    userData: pick("UserData"),
    keyName: pick("KeyName"),
    launchTemplate: template && {
      id: template.template.launchTemplateId,
      name: template.template.launchTemplateName,
      version: template.version.versionNumber,
    },
    fleetId: input.fleetId,
    ...(hibernation ? { hibernation } : {}),
  };
}

/** The `aws:` tags EC2 itself puts on instances launched from a template or a fleet. */
function awsTags(input: LaunchInput): Record<string, string> {
  const tags: Record<string, string> = {};
  if (input.template) {
    tags["aws:ec2launchtemplate:id"] = input.template.template.launchTemplateId;
    tags["aws:ec2launchtemplate:version"] = String(input.template.version.versionNumber);
  }
  if (input.fleetId) tags["aws:ec2:fleet-id"] = input.fleetId;
  return tags;
}

function securityGroupsOf(params: Params): string[] {
  return [
    ...listValues(params, "SecurityGroupId"),
    ...listValues(params, "NetworkInterface.1.SecurityGroupId"),
  ];
}

function checkSpotMaxPrice(instanceType: string, zone: string, maxPrice: string | undefined) {
  const price = spotPrice(instanceType, zone);
  if (maxPrice === undefined || price === undefined || Number(maxPrice) >= price) return;
  throw new Ec2ApiError(
    "SpotMaxPriceTooLow",
    `Your Spot request price of ${maxPrice} is lower than the minimum required Spot request fulfillment price of ${price}.`,
  );
}
