/**
 * CreateFleet with `Type=instant`: picks pools (launch template × override)
 * by allocation strategy, launches what it can, and reports every pool that
 * failed in `errorSet` instead of failing the call — the behaviour a runner
 * orchestrator has to handle when capacity is short.
 *
 * @module
 */

import { type ActionHandler, type Ec2Context, idempotent } from "./context.ts";
import type { EmulatedInstance, LaunchSpec } from "./instances.ts";
import { buildLaunchSpec } from "./launch_spec.ts";
import type { EmulatedLaunchTemplate, EmulatedTemplateVersion } from "./launch_templates.ts";
import { availabilityZoneOfSubnet } from "./placement.ts";
import { onDemandPrice, spotPrice } from "./price_table.ts";
import {
  checkTagLimit,
  Ec2ApiError,
  listStructs,
  type Params,
  parseTagSpecifications,
  subParams,
  type XmlValue,
} from "./protocol.ts";

type Lifecycle = "on-demand" | "spot";

/** One launch template config × override: a place the fleet may launch into. */
interface Pool {
  template: { template: EmulatedLaunchTemplate; version: EmulatedTemplateVersion };
  override: Params;
  order: number;
}

interface FleetOutcome {
  errors: XmlValue[];
  launched: Map<Pool, { lifecycle: Lifecycle; spec: LaunchSpec; instances: EmulatedInstance[] }>;
}

/** CreateFleet (instant only), idempotent per ClientToken like RunInstances. */
export const createFleet: ActionHandler = (params, context) =>
  idempotent(params, context, {
    launch: () => launchFleet(params, context),
    render: (body) => body,
    replay: (body) => body,
  });

function launchFleet(params: Params, context: Ec2Context): XmlValue {
  if (params.Type !== "instant") {
    throw new Ec2ApiError(
      "UnsupportedOperation",
      `The emulator supports only instant fleets; got Type=${params.Type ?? "maintain"}.`,
    );
  }
  const targets = targetsOf(subParams(params, "TargetCapacitySpecification"));
  const pools = poolsOf(params, context);
  checkOneSubnetPerZone(pools);
  const tagSpecifications = parseTagSpecifications(params);
  for (const [resource, tags] of tagSpecifications) checkTagLimit(tags, resource);
  const fleetId = `fleet-${crypto.randomUUID()}`;
  const extraTags = tagSpecifications.get("instance") ?? {};
  const outcome: FleetOutcome = { errors: [], launched: new Map() };
  for (const lifecycle of ["on-demand", "spot"] as const) {
    if (targets[lifecycle] <= 0) continue;
    const options = subParams(params, lifecycle === "spot" ? "SpotOptions" : "OnDemandOptions");
    const strategy = options.AllocationStrategy ?? "lowest-price";
    const candidates = pools.flatMap((pool) => {
      try {
        const spec = buildLaunchSpec({
          template: pool.template,
          request: overrideRequest(pool.override),
          lifecycle,
          extraTags,
          fleetId,
        });
        return [{ pool, spec }];
      } catch (error) {
        // Too many tags refuses the whole call, as it does in EC2; other faults are per pool.
        if (!(error instanceof Ec2ApiError) || error.code === "TagLimitExceeded") throw error;
        outcome.errors.push(errorXml(pool, lifecycle, error));
        return [];
      }
    });
    fill(
      {
        candidates: order(candidates, strategy, lifecycle),
        target: targets[lifecycle],
        lifecycle,
        isSpread: strategy === "diversified",
      },
      context,
      outcome,
    );
  }
  return {
    fleetId,
    errorSet: outcome.errors,
    fleetInstanceSet: [...outcome.launched.entries()].map(([pool, launch]) => ({
      launchTemplateAndOverrides: poolXml(pool),
      lifecycle: launch.lifecycle,
      instanceIds: launch.instances.map((instance) => instance.instanceId),
      instanceType: launch.spec.instanceType,
      availabilityZone: launch.spec.availabilityZone,
      subnetId: launch.spec.subnetId,
    })),
  };
}

/**
 * An EC2 Fleet cannot span different subnets of the same Availability Zone
 * (EC2 user guide, "EC2 Fleet quotas"); EC2 refuses the whole request.
 */
function checkOneSubnetPerZone(pools: Pool[]): void {
  const subnetOfZone = new Map<string, string>();
  for (const pool of pools) {
    const subnetId = pool.override.SubnetId ?? pool.template.version.data.SubnetId;
    if (subnetId === undefined) continue;
    const zone = availabilityZoneOfSubnet(subnetId);
    const other = subnetOfZone.get(zone);
    if (other !== undefined && other !== subnetId) {
      throw new Ec2ApiError(
        "InvalidParameterValue",
        `The fleet cannot span different subnets in the same Availability Zone: ${other} and ${subnetId} are both in ${zone}.`,
      );
    }
    subnetOfZone.set(zone, subnetId);
  }
}

function targetsOf(spec: Params): Record<Lifecycle, number> {
  const total = Number(spec.TotalTargetCapacity);
  if (!Number.isInteger(total) || total < 1) {
    throw new Ec2ApiError(
      "MissingParameter",
      "The request must contain TargetCapacitySpecification.TotalTargetCapacity",
    );
  }
  const defaultType = spec.DefaultTargetCapacityType ?? "on-demand";
  if (defaultType !== "on-demand" && defaultType !== "spot") {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `Invalid value '${defaultType}' for DefaultTargetCapacityType.`,
    );
  }
  const targets = {
    "on-demand": Number(spec.OnDemandTargetCapacity ?? 0),
    "spot": Number(spec.SpotTargetCapacity ?? 0),
  };
  targets[defaultType] += Math.max(0, total - targets["on-demand"] - targets.spot);
  return targets;
}

function poolsOf(params: Params, context: Ec2Context): Pool[] {
  const configs = listStructs(params, "LaunchTemplateConfigs");
  if (configs.length === 0) {
    throw new Ec2ApiError("MissingParameter", "The request must contain LaunchTemplateConfigs");
  }
  return configs.flatMap((config) => {
    const spec = subParams(config, "LaunchTemplateSpecification");
    const template = context.templates.resolve({
      launchTemplateId: spec.LaunchTemplateId,
      launchTemplateName: spec.LaunchTemplateName,
      version: spec.Version,
    });
    const overrides = listStructs(config, "Overrides");
    return (overrides.length > 0 ? overrides : [{}]).map((override) => ({ template, override }));
  }).map((pool, order) => ({ ...pool, order }));
}

/** An override in RunInstances spelling, so one launch builder serves both actions. */
function overrideRequest(override: Params): Params {
  const request: Params = {};
  if (override.InstanceType) request.InstanceType = override.InstanceType;
  if (override.ImageId) request.ImageId = override.ImageId;
  if (override.SubnetId) request.SubnetId = override.SubnetId;
  if (override.AvailabilityZone) request["Placement.AvailabilityZone"] = override.AvailabilityZone;
  if (override.MaxPrice) request["InstanceMarketOptions.SpotOptions.MaxPrice"] = override.MaxPrice;
  return request;
}

type Candidate = { pool: Pool; spec: LaunchSpec };

function order(candidates: Candidate[], strategy: string, lifecycle: Lifecycle): Candidate[] {
  const priority = (candidate: Candidate) => Number(candidate.pool.override.Priority ?? Infinity);
  const price = ({ spec }: Candidate) =>
    (lifecycle === "spot"
      ? spotPrice(spec.instanceType, spec.availabilityZone)
      : onDemandPrice(spec.instanceType)) ?? Infinity;
  const byOrder = (a: Candidate, b: Candidate) => a.pool.order - b.pool.order;
  if (strategy === "prioritized" || strategy === "capacity-optimized-prioritized") {
    return candidates.toSorted((a, b) => priority(a) - priority(b) || byOrder(a, b));
  }
  if (strategy === "diversified") return candidates;
  return candidates.toSorted((a, b) => price(a) - price(b) || priority(a) - priority(b));
}

/** What one market (on-demand or spot) of the fleet must launch, and where it may. */
interface Allocation {
  candidates: Candidate[];
  target: number;
  lifecycle: Lifecycle;
  /** `diversified`: one instance per pool in turn rather than filling the best pool first. */
  isSpread: boolean;
}

/** Launches into pools in order until the target is met, skipping pools short of capacity. */
function fill(allocation: Allocation, context: Ec2Context, outcome: FleetOutcome): void {
  const { lifecycle } = allocation;
  const free = (spec: LaunchSpec) =>
    spec.subnetId === undefined ? Infinity : context.faults.freeAddresses(spec.subnetId);
  const healthy = allocation.candidates.filter(({ pool, spec }) => {
    const shortage = context.faults.capacityError(
      spec.instanceType,
      spec.availabilityZone,
      context.now,
      { lifecycle, isFleet: true },
    ) ?? (free(spec) > 0 ? undefined : noFreeAddresses(spec.subnetId!));
    if (shortage) outcome.errors.push(errorXml(pool, lifecycle, shortage));
    return shortage === undefined;
  });
  let remaining = allocation.target;
  for (let turn = 0; remaining > 0 && healthy.length > 0; turn++) {
    const index = turn % healthy.length;
    const { pool, spec } = healthy[index];
    const weight = Math.max(1, Number(pool.override.WeightedCapacity ?? 1));
    const room = free(spec);
    if (room <= 0) {
      // This subnet filled up during the call: the rest goes to other pools.
      outcome.errors.push(errorXml(pool, lifecycle, noFreeAddresses(spec.subnetId!)));
      healthy.splice(index, 1);
      turn--;
      continue;
    }
    const count = Math.min(allocation.isSpread ? 1 : Math.ceil(remaining / weight), room);
    const instances = context.instances.launch(spec, count, context.now);
    const launched = outcome.launched.get(pool) ?? { lifecycle, spec, instances: [] };
    launched.instances.push(...instances);
    outcome.launched.set(pool, launched);
    remaining -= count * weight;
  }
}

function noFreeAddresses(subnetId: string): Ec2ApiError {
  return new Ec2ApiError(
    "InsufficientFreeAddressesInSubnet",
    `The specified subnet ${subnetId} does not contain enough free private IP addresses to fulfill your request.`,
  );
}

function poolXml(pool: Pool): XmlValue {
  const { override } = pool;
  return {
    launchTemplateSpecification: {
      launchTemplateId: pool.template.template.launchTemplateId,
      launchTemplateName: pool.template.template.launchTemplateName,
      version: String(pool.template.version.versionNumber),
    },
    overrides: {
      instanceType: override.InstanceType,
      maxPrice: override.MaxPrice,
      subnetId: override.SubnetId,
      availabilityZone: override.AvailabilityZone,
      weightedCapacity: override.WeightedCapacity,
      priority: override.Priority,
      imageId: override.ImageId,
    },
  };
}

function errorXml(pool: Pool, lifecycle: Lifecycle, error: Ec2ApiError): XmlValue {
  return {
    launchTemplateAndOverrides: poolXml(pool),
    lifecycle,
    errorCode: error.code,
    errorMessage: error.message,
  };
}
