/**
 * What IAM evaluates for each AWS call the core makes: the call as the EC2
 * emulator recorded it (EC2 Query params, or Pricing's JSON flattened the same
 * way) becomes the list of (IAM action, resource ARN, context keys) requests
 * AWS authorizes for it. One row per API action in `AUTHORIZATIONS`; a new
 * call is a new row (most are one line: `unscoped(...)` or `onTemplate(...)`).
 *
 * Sources for the resource lists: the Service Authorization Reference for
 * Amazon EC2 (resource types per action, "*" = required), "Grant permission to
 * tag Amazon EC2 resources during creation" (ec2:CreateTags with
 * ec2:CreateAction, aws:RequestTag per tagged resource), "EC2 Fleet
 * prerequisites" (an `instant` fleet launches with the caller's own
 * RunInstances permissions and needs no fleet service-linked role), and
 * "Service-linked role for Spot Instances" (created on the caller's behalf at
 * the first spot request, with iam:CreateServiceLinkedRole).
 *
 * @module
 */

import {
  listStructs,
  listValues,
  type Params,
  parseTagSpecifications,
} from "../support/ec2/protocol.ts";

/** One request IAM evaluates: an action on one resource with its context keys. */
export interface Authorization {
  /** `service:Action`, e.g. `ec2:RunInstances`. */
  action: string;
  /** The resource ARN, or `*` for actions with no resource-level permissions. */
  resource: string;
  context: Record<string, string | string[]>;
}

/** What the mapping needs to know beyond the call's own params. */
export interface CallWorld {
  account: string;
  region: string;
  /** A launch template's tags and its default version's data (`LaunchTemplateData.` stripped). */
  template(id: string): { tags: Record<string, string>; data: Params } | undefined;
  /** An instance's tags as EC2 holds them (empty when unknown). */
  instanceTags(id: string): Record<string, string>;
  /** The role an instance profile (name or ARN) carries. */
  roleOfProfile(profile: string): string;
}

/** Maps one recorded call to what IAM evaluates for it. */
export type CallAuthorizer = (params: Params, world: CallWorld) => Authorization[];

/**
 * Every AWS API action the core calls, by its API name (as the emulator
 * records it). A call with no row fails the contract test.
 */
export const AUTHORIZATIONS: Record<string, CallAuthorizer> = {
  DescribeInstances: unscoped("ec2:DescribeInstances"),
  DescribeLaunchTemplates: unscoped("ec2:DescribeLaunchTemplates"),
  DescribeLaunchTemplateVersions: unscoped("ec2:DescribeLaunchTemplateVersions"),
  DescribeSpotPriceHistory: unscoped("ec2:DescribeSpotPriceHistory"),
  DescribeImages: unscoped("ec2:DescribeImages"),
  DescribeSubnets: unscoped("ec2:DescribeSubnets"),
  GetProducts: unscoped("pricing:GetProducts"),
  GetAttributeValues: unscoped("pricing:GetAttributeValues"),
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: onTemplate("ec2:CreateLaunchTemplateVersion"),
  ModifyLaunchTemplate: onTemplate("ec2:ModifyLaunchTemplate"),
  DeleteLaunchTemplateVersions: onTemplate("ec2:DeleteLaunchTemplateVersions"),
  RunInstances: runInstances,
  CreateFleet: createFleet,
  TerminateInstances: onInstances("ec2:TerminateInstances"),
  StopInstances: onInstances("ec2:StopInstances"),
  StartInstances: onInstances("ec2:StartInstances"),
  ModifyInstanceAttribute: onInstances("ec2:ModifyInstanceAttribute"),
};

/** An action without resource-level permissions: IAM sees `*`. */
export function unscoped(action: string): CallAuthorizer {
  return () => [{ action, resource: "*", context: {} }];
}

/** An action on an existing launch template, named by `LaunchTemplateId`. */
export function onTemplate(action: string): CallAuthorizer {
  return (params, world) => [{
    action,
    resource: arnOf(world, `launch-template/${params.LaunchTemplateId}`),
    context: resourceTags(world.template(params.LaunchTemplateId ?? "")?.tags ?? {}),
  }];
}

function createLaunchTemplate(params: Params, world: CallWorld): Authorization[] {
  // The id does not exist before the call; IAM matches the new resource's ARN with its id unknown.
  const resource = arnOf(world, "launch-template/lt-pending");
  const tags = parseTagSpecifications(params).get("launch-template") ?? {};
  return [
    { action: "ec2:CreateLaunchTemplate", resource, context: requestTags(tags) },
    ...tagOnCreate(resource, tags, "CreateLaunchTemplate"),
  ];
}

function runInstances(params: Params, world: CallWorld): Authorization[] {
  const templateId = params["LaunchTemplate.LaunchTemplateId"] ?? "";
  const isSpot = params["InstanceMarketOptions.MarketType"] === "spot";
  return [
    ...launchParts("ec2:RunInstances", world, {
      templateId,
      subnets: [params.SubnetId ?? ""],
      tags: parseTagSpecifications(params),
      isSpot,
    }),
    ...launchTags(parseTagSpecifications(params), world, "RunInstances"),
    ...passRole(world.template(templateId)?.data ?? {}, world),
    ...(isSpot ? spotServiceRole(world) : []),
  ];
}

function createFleet(params: Params, world: CallWorld): Authorization[] {
  const configs = listStructs(params, "LaunchTemplateConfigs");
  const templateId = configs[0]?.["LaunchTemplateSpecification.LaunchTemplateId"] ?? "";
  const subnets = [
    ...new Set(
      configs.flatMap((config) => listStructs(config, "Overrides").map((o) => o.SubnetId ?? "")),
    ),
  ];
  const tags = parseTagSpecifications(params);
  const isSpot = params["TargetCapacitySpecification.DefaultTargetCapacityType"] === "spot";
  const fleet = arnOf(world, "fleet/fleet-pending");
  const parts = { templateId, subnets, tags, isSpot };
  return [
    {
      action: "ec2:CreateFleet",
      resource: fleet,
      context: requestTags(tags.get("fleet") ?? {}),
    },
    ...launchParts("ec2:CreateFleet", world, parts),
    // An instant fleet launches with the caller's own RunInstances permission.
    ...launchParts("ec2:RunInstances", world, parts),
    ...tagOnCreate(fleet, tags.get("fleet") ?? {}, "CreateFleet"),
    ...launchTags(tags, world, "CreateFleet"),
    ...passRole(world.template(templateId)?.data ?? {}, world),
    ...(isSpot ? spotServiceRole(world) : []),
  ];
}

/** An action on existing instances (`InstanceId.N`, or one `InstanceId`): one request per instance. */
function onInstances(action: string): CallAuthorizer {
  return (params, world) => {
    const listed = listValues(params, "InstanceId");
    const ids = listed.length > 0 ? listed : [params["InstanceId"]].filter(Boolean);
    return ids.map((id) => ({
      action,
      resource: arnOf(world, `instance/${id}`),
      context: resourceTags(world.instanceTags(id)),
    }));
  };
}

/**
 * The resources a launch touches, for one launch action: the new instances
 * and volumes (with the tags requested for them), their network interfaces,
 * and the template, image, subnets and security groups they come from.
 */
function launchParts(
  action: string,
  world: CallWorld,
  launch: {
    templateId: string;
    subnets: string[];
    tags: Map<string, Record<string, string>>;
    isSpot: boolean;
  },
): Authorization[] {
  const template = world.template(launch.templateId);
  const data = template?.data ?? {};
  const at = (resource: string, context: Authorization["context"] = {}) => ({
    action,
    resource: arnOf(world, resource),
    context,
  });
  const image = `arn:aws:ec2:${world.region}::image/${data.ImageId}`;
  return [
    at("instance/i-pending", requestTags(launch.tags.get("instance") ?? {})),
    at("volume/vol-pending", requestTags(launch.tags.get("volume") ?? {})),
    at(`launch-template/${launch.templateId}`, resourceTags(template?.tags ?? {})),
    { action, resource: image, context: {} },
    ...launch.subnets.map((subnet) => at(`subnet/${subnet}`)),
    // CreateFleet authorizes no security groups or interfaces itself; its RunInstances does.
    ...(action === "ec2:RunInstances"
      ? [
        at("network-interface/eni-pending"),
        ...listValues(data, "SecurityGroupId").map((group) => at(`security-group/${group}`)),
        ...(launch.isSpot ? [at("spot-instances-request/sir-pending")] : []),
      ]
      : []),
  ];
}

/** Tags applied at launch need ec2:CreateTags on each tagged resource, for that create action. */
function launchTags(
  tags: Map<string, Record<string, string>>,
  world: CallWorld,
  createAction: string,
): Authorization[] {
  return (["instance", "volume"] as const).flatMap((type) =>
    tagOnCreate(
      arnOf(world, `${type}/${type === "instance" ? "i" : "vol"}-pending`),
      tags.get(type) ?? {},
      createAction,
    )
  );
}

function tagOnCreate(
  resource: string,
  tags: Record<string, string>,
  createAction: string,
): Authorization[] {
  if (Object.keys(tags).length === 0) return [];
  return [{
    action: "ec2:CreateTags",
    resource,
    context: { ...requestTags(tags), "ec2:CreateAction": createAction },
  }];
}

/** A launch template's instance profile is passed to EC2 when it launches (or is created). */
function passRole(data: Params, world: CallWorld): Authorization[] {
  const profile = data["IamInstanceProfile.Arn"] ?? data["IamInstanceProfile.Name"];
  if (!profile) return [];
  return [{
    action: "iam:PassRole",
    resource: world.roleOfProfile(profile),
    context: { "iam:PassedToService": "ec2.amazonaws.com" },
  }];
}

function spotServiceRole(world: CallWorld): Authorization[] {
  return [{
    action: "iam:CreateServiceLinkedRole",
    resource:
      `arn:aws:iam::${world.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
    context: { "iam:AWSServiceName": "spot.amazonaws.com" },
  }];
}

function arnOf(world: CallWorld, resource: string): string {
  return `arn:aws:ec2:${world.region}:${world.account}:${resource}`;
}

function requestTags(tags: Record<string, string>): Authorization["context"] {
  const context: Authorization["context"] = {};
  for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = value;
  if (Object.keys(tags).length > 0) context["aws:TagKeys"] = Object.keys(tags);
  return context;
}

function resourceTags(tags: Record<string, string>): Authorization["context"] {
  const context: Authorization["context"] = {};
  for (const [key, value] of Object.entries(tags)) context[`aws:ResourceTag/${key}`] = value;
  return context;
}
