/**
 * The instance actions: RunInstances, DescribeInstances, TerminateInstances,
 * StopInstances, StartInstances, ModifyInstanceAttribute (instance type) and
 * CreateTags, with the XML shapes the SDK's EC2 deserializer reads.
 *
 * @module
 */

import { type ActionHandler, type Ec2Context, idempotent } from "./context.ts";
import { type EmulatedInstance, STATE_CODES, type StateChange } from "./instances.ts";
import { buildLaunchSpec } from "./launch_spec.ts";
import type { TemplateReference } from "./launch_templates.ts";
import { zoneIdOf } from "./placement.ts";
import {
  Ec2ApiError,
  type Filter,
  hashOf,
  listValues,
  matchesPattern,
  type Params,
  parseFilters,
  parseTags,
  tagSet,
  type XmlValue,
} from "./protocol.ts";

/** The account id every emulated resource belongs to. */
export const OWNER_ID = "123456789012";

/** RunInstances: launches MaxCount instances, or fails whole (no partial launches). */
export const runInstances: ActionHandler = (params, context) =>
  idempotent(params, context, {
    launch: () => launchInstances(params, context),
    render: reservationBody,
    replay: (first) =>
      reservationBody(context.instances.get(first.map((instance) => instance.instanceId))),
  });

function launchInstances(params: Params, context: Ec2Context): EmulatedInstance[] {
  const minCount = Number(params.MinCount ?? 1);
  const maxCount = Number(params.MaxCount ?? minCount);
  if (!Number.isInteger(minCount) || !Number.isInteger(maxCount) || minCount < 1) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      "MinCount and MaxCount must be positive integers.",
    );
  }
  if (minCount > maxCount) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      "MinCount must be less than or equal to MaxCount.",
    );
  }
  const reference = templateReferenceOf(params, "LaunchTemplate");
  const template = reference ? context.templates.resolve(reference) : undefined;
  const spec = {
    ...buildLaunchSpec({ template, request: params }),
    clientToken: params.ClientToken,
  };
  const shortage = context.faults.capacityError(
    spec.instanceType,
    spec.availabilityZone,
    context.now,
    { lifecycle: spec.lifecycle },
  );
  if (shortage) throw shortage;
  return context.instances.launch(spec, maxCount, context.now);
}

/** Reads `Prefix.LaunchTemplateId` / `.LaunchTemplateName` / `.Version`, if the request names a template. */
export function templateReferenceOf(params: Params, prefix: string): TemplateReference | undefined {
  const launchTemplateId = params[`${prefix}.LaunchTemplateId`];
  const launchTemplateName = params[`${prefix}.LaunchTemplateName`];
  if (launchTemplateId === undefined && launchTemplateName === undefined) return undefined;
  return { launchTemplateId, launchTemplateName, version: params[`${prefix}.Version`] };
}

/**
 * DescribeInstances: by InstanceId.N and Filter.N, grouped into their
 * reservations, as the API sees them (see instances.ts on lag). Paged as the
 * DescribeInstances API reference says: MaxResults 5–1000, never together
 * with InstanceId.N; a NextToken when more remain; no MaxResults, no paging.
 */
export const describeInstances: ActionHandler = (params, context) => {
  const ids = listValues(params, "InstanceId");
  const filters = parseFilters(params);
  const page = pageOf(params, ids.length > 0);
  const candidates = ids.length > 0
    ? context.instances.getVisible(ids, context.now)
    : context.instances.listVisible(context.now);
  const matching = candidates.filter((instance) => filters.every((f) => matches(instance, f)));
  // A paged listing goes in id order (see tokenAfter); an unpaged one in launch order.
  if (page.size !== Infinity || page.after !== undefined) {
    matching.sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }
  const start = page.after === undefined
    ? 0
    : matching.findIndex((instance) => instance.instanceId > page.after!);
  const shown = start < 0 ? [] : matching.slice(start, start + page.size);
  const isMore = start >= 0 && start + page.size < matching.length;
  const reservations = Map.groupBy(shown, (instance) => instance.reservationId);
  return {
    reservationSet: [...reservations.values()].map((instances) => reservationBody(instances)),
    nextToken: isMore ? tokenAfter(shown.at(-1)!.instanceId) : undefined,
  };
};

/** The page a Describe call asks for: its size, and the id it continues after. */
function pageOf(params: Params, hasIds: boolean): { size: number; after?: string } {
  const maxResults = params.MaxResults;
  if (maxResults !== undefined && hasIds) {
    throw new Ec2ApiError(
      "InvalidParameterCombination",
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  }
  const size = maxResults === undefined ? Infinity : Number(maxResults);
  if (maxResults !== undefined && (!Number.isInteger(size) || size < 5 || size > 1000)) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `Value ( ${maxResults} ) for parameter maxResults is invalid. ` +
        "Expecting a value between 5 and 1000.",
    );
  }
  const token = params.NextToken;
  if (token === undefined || token === "") return { size };
  const after = afterOf(token);
  if (after === undefined) {
    throw new Ec2ApiError("InvalidParameterValue", `Invalid value '${token}' for nextToken`);
  }
  return { size, after };
}

// Paged listings go in id order, so a page continues after the last id it showed
// and launches between pages neither repeat nor shift anything.
function tokenAfter(instanceId: string): string {
  return btoa(JSON.stringify({ after: instanceId }));
}

function afterOf(token: string): string | undefined {
  try {
    const after = (JSON.parse(atob(token)) as { after?: unknown }).after;
    return typeof after === "string" ? after : undefined;
  } catch {
    // Not a token this emulator made: the caller reports it as invalid.
    return undefined;
  }
}

const FILTER_FIELDS: Record<string, (instance: EmulatedInstance) => string[]> = {
  "instance-id": (instance) => [instance.instanceId],
  "instance-state-name": (instance) => [instance.state],
  "instance-state-code": (instance) => [String(STATE_CODES[instance.state])],
  "instance-type": (instance) => [instance.instanceType],
  "image-id": (instance) => [instance.imageId],
  "availability-zone": (instance) => [instance.availabilityZone],
  "subnet-id": (instance) => (instance.subnetId ? [instance.subnetId] : []),
  "reservation-id": (instance) => [instance.reservationId],
  "instance-lifecycle": (instance) => (instance.lifecycle === "spot" ? ["spot"] : []),
  "private-ip-address": (instance) => [instance.privateIpAddress],
  "client-token": (instance) => (instance.clientToken ? [instance.clientToken] : []),
  "tag-key": (instance) => Object.keys(instance.tags),
  "tag-value": (instance) => Object.values(instance.tags),
};

function matches(instance: EmulatedInstance, filter: Filter): boolean {
  const field = filter.name.startsWith("tag:")
    ? (candidate: EmulatedInstance) => {
      const value = candidate.tags[filter.name.slice("tag:".length)];
      return value === undefined ? [] : [value];
    }
    : FILTER_FIELDS[filter.name];
  if (!field) {
    throw new Ec2ApiError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
  }
  const values = field(instance);
  return filter.values.some((pattern) => values.some((value) => matchesPattern(value, pattern)));
}

/** The most ids one TerminateInstances takes (TerminateInstances API reference, InstanceId.N). */
export const MAX_TERMINATE_IDS = 1000;

/**
 * TerminateInstances: starts shutting instances down; repeating it is
 * harmless. At most 1,000 ids; one id the API cannot see fails the whole
 * call and terminates none (TerminateInstances API reference).
 */
export const terminateInstances: ActionHandler = (params, context) => {
  const ids = instanceIdsOf(params, "TerminateInstances");
  const changes = context.instances.terminate(ids, context.now);
  return { instancesSet: changes.map(stateChangeXml) };
};

/** The ids of a Stop/Start/Terminate call: at least one, at most {@link MAX_TERMINATE_IDS}. */
function instanceIdsOf(params: Params, action: string): string[] {
  const ids = listValues(params, "InstanceId");
  if (ids.length === 0) {
    throw new Ec2ApiError("MissingParameter", "The request must contain the parameter InstanceId");
  }
  if (ids.length > MAX_TERMINATE_IDS) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `${ids.length} instance IDs given; ${action} takes up to ${MAX_TERMINATE_IDS}.`,
    );
  }
  return ids;
}

/**
 * StopInstances: running → stopping → stopped; repeating it is harmless.
 * `Hibernate=true` hibernates instances enabled for it at launch (hibernation.ts).
 */
export const stopInstances: ActionHandler = (params, context) => {
  const changes = context.instances.stop(instanceIdsOf(params, "StopInstances"), context.now, {
    hibernate: params.Hibernate === "true",
  });
  return { instancesSet: changes.map(stateChangeXml) };
};

/** StartInstances: stopped → pending → running; repeating it is harmless. */
export const startInstances: ActionHandler = (params, context) => {
  const changes = context.instances.start(instanceIdsOf(params, "StartInstances"), context.now);
  return { instancesSet: changes.map(stateChangeXml) };
};

/**
 * ModifyInstanceAttribute, for the one attribute Gantry changes: the
 * instance type of a stopped instance (`InstanceType.Value`).
 */
export const modifyInstanceAttribute: ActionHandler = (params, context) => {
  const instanceId = params["InstanceId"];
  if (!instanceId) {
    throw new Ec2ApiError("MissingParameter", "The request must contain the parameter InstanceId");
  }
  const instanceType = params["InstanceType.Value"];
  if (!instanceType) {
    throw new Ec2ApiError(
      "InvalidParameterCombination",
      "The emulator changes only the instance type (InstanceType.Value)",
    );
  }
  context.instances.changeType(instanceId, instanceType, context.now);
  return { return: true };
};

function stateChangeXml(change: StateChange): XmlValue {
  return {
    instanceId: change.instanceId,
    currentState: { code: STATE_CODES[change.current], name: change.current },
    previousState: { code: STATE_CODES[change.previous], name: change.previous },
  };
}

/** CreateTags: tags instances (`i-`) and launch templates (`lt-`); other resources are accepted as is. */
export const createTags: ActionHandler = (params, context) => {
  const resources = listValues(params, "ResourceId");
  if (resources.length === 0) {
    throw new Ec2ApiError("MissingParameter", "The request must contain the parameter ResourceId");
  }
  const tags = parseTags(params, "Tag");
  const instanceIds = resources.filter((id) => id.startsWith("i-"));
  if (instanceIds.length > 0) context.instances.tag(instanceIds, tags);
  for (const id of resources.filter((resource) => resource.startsWith("lt-"))) {
    context.templates.tag(id, tags);
  }
  return { return: true };
};

function reservationBody(instances: EmulatedInstance[]): { [element: string]: XmlValue } {
  return {
    reservationId: instances[0]?.reservationId,
    ownerId: OWNER_ID,
    groupSet: [],
    instancesSet: instances.map(instanceXml),
  };
}

/** One instance in the `instancesSet` shape of RunInstances and DescribeInstances. */
export function instanceXml(instance: EmulatedInstance): XmlValue {
  const ipName = `ip-${instance.privateIpAddress.replaceAll(".", "-")}.ec2.internal`;
  return {
    instanceId: instance.instanceId,
    imageId: instance.imageId,
    instanceState: { code: STATE_CODES[instance.state], name: instance.state },
    privateDnsName: instance.state === "terminated" ? undefined : ipName,
    keyName: instance.keyName,
    amiLaunchIndex: 0,
    instanceType: instance.instanceType,
    launchTime: new Date(instance.launchedAt),
    placement: {
      availabilityZone: instance.availabilityZone,
      availabilityZoneId: zoneIdOf(instance.availabilityZone),
      groupName: "",
      tenancy: "default",
    },
    monitoring: { state: "disabled" },
    subnetId: instance.subnetId,
    vpcId: instance.subnetId
      ? `vpc-${(hashOf(instance.subnetId) % 0xffffff).toString(16)}`
      : undefined,
    privateIpAddress: instance.state === "terminated" ? undefined : instance.privateIpAddress,
    groupSet: instance.securityGroupIds.map((groupId) => ({ groupId })),
    stateReason: instance.stateReason,
    architecture: "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    instanceLifecycle: instance.lifecycle === "spot" ? "spot" : undefined,
    spotInstanceRequestId: instance.spotInstanceRequestId,
    virtualizationType: "hvm",
    clientToken: instance.clientToken,
    tagSet: tagSet(instance.tags),
    hypervisor: "xen",
    ebsOptimized: false,
    enaSupport: true,
    hibernationOptions: { configured: instance.hibernation === true },
  };
}
