/**
 * The launch template actions: Create, CreateVersion, Modify (default
 * version), Describe, DescribeVersions, DeleteVersions and Delete.
 *
 * @module
 */

import { type ActionHandler, idempotent } from "./context.ts";
import { OWNER_ID } from "./instance_actions.ts";
import type {
  EmulatedLaunchTemplate,
  EmulatedTemplateVersion,
  TemplateReference,
} from "./launch_templates.ts";
import {
  checkTagLimit,
  Ec2ApiError,
  listStructs,
  listValues,
  matchesPattern,
  type Params,
  parseFilters,
  parseTags,
  parseTagSpecifications,
  subParams,
  tagSet,
  type XmlValue,
} from "./protocol.ts";

const CREATED_BY = `arn:aws:iam::${OWNER_ID}:user/gantry-emulator`;

/** CreateLaunchTemplate: a new template whose version 1 is the request's LaunchTemplateData. */
export const createLaunchTemplate: ActionHandler = (params, context) => {
  const name = params.LaunchTemplateName;
  if (name === undefined) {
    throw new Ec2ApiError(
      "MissingParameter",
      "The request must contain the parameter LaunchTemplateName",
    );
  }
  const tags = parseTagSpecifications(params).get("launch-template") ?? {};
  checkTagLimit(tags, "launch template");
  const template = context.templates.create(
    name,
    {
      data: subParams(params, "LaunchTemplateData"),
      description: params.VersionDescription,
      createdAt: context.now,
    },
    tags,
  );
  return { launchTemplate: templateXml(template) };
};

/**
 * CreateLaunchTemplateVersion: by id or name, optionally starting from
 * SourceVersion; idempotent per ClientToken, like EC2.
 */
export const createLaunchTemplateVersion: ActionHandler = (params, context) =>
  idempotent(params, context, {
    launch: () =>
      context.templates.addVersion(
        referenceOf(params),
        {
          data: subParams(params, "LaunchTemplateData"),
          description: params.VersionDescription,
          createdAt: context.now,
        },
        params.SourceVersion,
      ),
    render: ({ template, version }) => ({ launchTemplateVersion: versionXml(template, version) }),
    replay: ({ template, version }) => ({ launchTemplateVersion: versionXml(template, version) }),
  });

/** DeleteLaunchTemplateVersions: deletes each named version (`LaunchTemplateVersion.N`). */
export const deleteLaunchTemplateVersions: ActionHandler = (params, context) => {
  const reference = referenceOf(params);
  const template = context.templates.get(reference);
  const { deleted, refused } = context.templates.deleteVersions(
    reference,
    listValues(params, "LaunchTemplateVersion"),
  );
  const ids = {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
  };
  return {
    successfullyDeletedLaunchTemplateVersionSet: deleted.map((versionNumber) => ({
      ...ids,
      versionNumber,
    })),
    unsuccessfullyDeletedLaunchTemplateVersionSet: refused.map((failure) => ({
      ...ids,
      versionNumber: failure.version,
      responseError: { code: failure.code, message: failure.message },
    })),
  };
};

/** ModifyLaunchTemplate: sets the default version (`SetDefaultVersion` on the wire). */
export const modifyLaunchTemplate: ActionHandler = (params, context) => {
  const version = params.SetDefaultVersion ?? params.DefaultVersion;
  const reference = referenceOf(params);
  const template = version === undefined
    ? context.templates.get(reference)
    : context.templates.setDefault(reference, version);
  return { launchTemplate: templateXml(template) };
};

/** DescribeLaunchTemplates: by LaunchTemplateId.N, LaunchTemplateName.N and Filter.N. */
export const describeLaunchTemplates: ActionHandler = (params, context) => {
  const ids = listValues(params, "LaunchTemplateId");
  const names = listValues(params, "LaunchTemplateName");
  const named = [
    ...ids.map((launchTemplateId) => context.templates.get({ launchTemplateId })),
    ...names.map((launchTemplateName) => context.templates.get({ launchTemplateName })),
  ];
  const candidates = ids.length + names.length > 0 ? named : context.templates.list();
  const filters = parseFilters(params);
  const matching = candidates.filter((template) =>
    filters.every((filter) => {
      const values = templateFilterValues(template, filter.name);
      return filter.values.some((pattern) =>
        values.some((value) => matchesPattern(value, pattern))
      );
    })
  );
  return { launchTemplates: matching.map(templateXml) };
};

function templateFilterValues(template: EmulatedLaunchTemplate, name: string): string[] {
  if (name.startsWith("tag:")) {
    const value = template.tags[name.slice("tag:".length)];
    return value === undefined ? [] : [value];
  }
  if (name === "tag-key") return Object.keys(template.tags);
  if (name === "launch-template-name") return [template.launchTemplateName];
  throw new Ec2ApiError("InvalidParameterValue", `The filter '${name}' is invalid`);
}

/** DescribeLaunchTemplateVersions: the named versions (`LaunchTemplateVersion.N`), or all. */
export const describeLaunchTemplateVersions: ActionHandler = (params, context) => {
  const reference = referenceOf(params);
  const requested = listValues(params, "LaunchTemplateVersion");
  const template = context.templates.get(reference);
  const versions = requested.length === 0
    ? template.versions
    : requested.map((version) => context.templates.resolve({ ...reference, version }).version);
  return { launchTemplateVersionSet: versions.map((version) => versionXml(template, version)) };
};

/** DeleteLaunchTemplate: removes a template with all its versions. */
export const deleteLaunchTemplate: ActionHandler = (params, context) => ({
  launchTemplate: templateXml(context.templates.delete(referenceOf(params))),
});

function referenceOf(params: Params): TemplateReference {
  return {
    launchTemplateId: params.LaunchTemplateId,
    launchTemplateName: params.LaunchTemplateName,
  };
}

function templateXml(template: EmulatedLaunchTemplate): XmlValue {
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    createTime: new Date(template.createdAt),
    createdBy: CREATED_BY,
    defaultVersionNumber: template.defaultVersionNumber,
    latestVersionNumber: template.latestVersionNumber,
    tagSet: tagSet(template.tags),
  };
}

function versionXml(template: EmulatedLaunchTemplate, version: EmulatedTemplateVersion): XmlValue {
  return {
    launchTemplateId: template.launchTemplateId,
    launchTemplateName: template.launchTemplateName,
    versionNumber: version.versionNumber,
    versionDescription: version.description,
    createTime: new Date(version.createdAt),
    createdBy: CREATED_BY,
    defaultVersion: version.versionNumber === template.defaultVersionNumber,
    launchTemplateData: templateDataXml(version.data),
  };
}

/**
 * The commonly read members of ResponseLaunchTemplateData, rebuilt from the
 * raw request params. Members outside this list stay readable through
 * `Ec2Emulator.launchTemplates()`.
 */
function templateDataXml(data: Params): XmlValue {
  const market = subParams(data, "InstanceMarketOptions");
  const metadata = subParams(data, "MetadataOptions");
  return {
    imageId: data.ImageId,
    instanceType: data.InstanceType,
    keyName: data.KeyName,
    userData: data.UserData,
    ebsOptimized: data.EbsOptimized,
    instanceInitiatedShutdownBehavior: data.InstanceInitiatedShutdownBehavior,
    blockDeviceMappingSet: orUndefined(
      listStructs(data, "BlockDeviceMapping").map((mapping) => {
        const ebs = subParams(mapping, "Ebs");
        return {
          deviceName: mapping.DeviceName,
          ebs: Object.keys(ebs).length > 0
            ? {
              encrypted: ebs.Encrypted,
              deleteOnTermination: ebs.DeleteOnTermination,
              volumeSize: ebs.VolumeSize,
              volumeType: ebs.VolumeType,
              iops: ebs.Iops,
              throughput: ebs.Throughput,
              kmsKeyId: ebs.KmsKeyId,
            }
            : undefined,
        };
      }),
    ),
    hibernationOptions: data["HibernationOptions.Configured"]
      ? { configured: data["HibernationOptions.Configured"] }
      : undefined,
    iamInstanceProfile: data["IamInstanceProfile.Arn"] || data["IamInstanceProfile.Name"]
      ? { arn: data["IamInstanceProfile.Arn"], name: data["IamInstanceProfile.Name"] }
      : undefined,
    placement: data["Placement.AvailabilityZone"]
      ? { availabilityZone: data["Placement.AvailabilityZone"] }
      : undefined,
    securityGroupIdSet: orUndefined(listValues(data, "SecurityGroupId")),
    securityGroupSet: orUndefined(listValues(data, "SecurityGroup")),
    networkInterfaceSet: orUndefined(
      listStructs(data, "NetworkInterface").map((networkInterface) => ({
        deviceIndex: networkInterface.DeviceIndex,
        subnetId: networkInterface.SubnetId,
        associatePublicIpAddress: networkInterface.AssociatePublicIpAddress,
      })),
    ),
    tagSpecificationSet: orUndefined(
      listStructs(data, "TagSpecification").map((spec) => ({
        resourceType: spec.ResourceType,
        tagSet: tagSet(parseTags(spec, "Tag")),
      })),
    ),
    instanceMarketOptions: market.MarketType
      ? {
        marketType: market.MarketType,
        spotOptions: {
          maxPrice: market["SpotOptions.MaxPrice"],
          spotInstanceType: market["SpotOptions.SpotInstanceType"],
          instanceInterruptionBehavior: market["SpotOptions.InstanceInterruptionBehavior"],
        },
      }
      : undefined,
    metadataOptions: Object.keys(metadata).length > 0
      ? {
        httpTokens: metadata.HttpTokens,
        httpPutResponseHopLimit: metadata.HttpPutResponseHopLimit,
        httpEndpoint: metadata.HttpEndpoint,
      }
      : undefined,
  };
}

function orUndefined<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}
