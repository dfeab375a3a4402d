/**
 * Launching a batch on EC2: one `CreateFleet` (type `instant`) over every
 * (instance type × subnet) placement, or `RunInstances` with MinCount =
 * MaxCount = n on the first placement. CreateFleet cannot take user data, so
 * the batch's user data goes into a launch template version made for the
 * batch (from the pool's default version, same client token, so a replay
 * finds the same version) and deleted once the call has answered.
 */
import {
  CreateFleetCommand,
  type CreateFleetCommandOutput,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type FleetOnDemandAllocationStrategy,
  RunInstancesCommand,
  type SpotAllocationStrategy,
  type Tag,
} from "@aws-sdk/client-ec2";
import type {
  LaunchedMachine,
  LaunchFailure,
  LaunchOutcome,
  LaunchRequest,
} from "../scheduler/provider.ts";

/** Error codes that mean "no room here, now": wait, then try elsewhere. */
const CAPACITY_ERRORS = new Set([
  "InsufficientInstanceCapacity",
  "InsufficientCapacity",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "Unsupported",
  "capacity-not-available",
  "MaxSpotInstanceCountExceeded",
  "SpotMaxPriceTooLow",
  "InstanceLimitExceeded",
  "VcpuLimitExceeded",
]);

/** Error codes no retry fixes: the pool's config or IAM is wrong. */
export const PERMANENT_ERRORS = new Set([
  "InvalidAMIID.Malformed",
  "InvalidAMIID.NotFound",
  "InvalidAMIID.Unavailable",
  "InvalidGroup.NotFound",
  "InvalidGroupId.Malformed",
  "InvalidSubnetID.NotFound",
  "InvalidSubnetID.Malformed",
  "InvalidParameterValue",
  "InvalidParameterCombination",
  "InvalidBlockDeviceMapping",
  "InvalidKeyPair.NotFound",
  "UnauthorizedOperation",
  "AuthFailure",
  "InvalidLaunchTemplateId.Malformed",
  "OptInRequired",
]);

/** Whether an EC2 error code is a capacity shortage (else: permanent or unknown). */
export function isCapacityError(code: string): boolean {
  return CAPACITY_ERRORS.has(code);
}

function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? "Error";
}

/** On-demand fleets know two strategies; spot fleets name the prioritized one differently. */
function strategies(request: LaunchRequest) {
  const strategy = request.pool.allocationStrategy;
  if (request.pool.isSpot) {
    const spot = strategy === "prioritized" ? "capacity-optimized-prioritized" : strategy;
    return { SpotOptions: { AllocationStrategy: spot as SpotAllocationStrategy } };
  }
  const onDemand = strategy === "prioritized" ? "prioritized" : "lowest-price";
  return { OnDemandOptions: { AllocationStrategy: onDemand as FleetOnDemandAllocationStrategy } };
}

export class FleetLauncher {
  constructor(readonly ec2: EC2Client) {}

  async launch(request: LaunchRequest): Promise<LaunchOutcome> {
    try {
      return request.pool.spawn === "run_instances"
        ? await this.#runInstances(request)
        : await this.#createFleet(request);
    } catch (error) {
      const code = errorName(error);
      const failure = { code, message: `${code}: ${(error as Error).message}` };
      if (PERMANENT_ERRORS.has(code)) {
        return { machines: [], failures: [{ ...failure, kind: "permanent" }] };
      }
      if (isCapacityError(code)) {
        const first = request.placements[0];
        return {
          machines: [],
          failures: [{
            ...failure,
            kind: "capacity",
            instanceType: first?.instanceType,
            subnetId: first?.subnetId,
          }],
        };
      }
      throw error;
    }
  }

  async #runInstances(request: LaunchRequest): Promise<LaunchOutcome> {
    const { pool } = request;
    const template = pool.template!;
    const first = request.placements[0];
    const tags = tagList(request.tags);
    const result = await this.ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: template.id, Version: String(template.version) },
        InstanceType: first.instanceType as never,
        MinCount: request.count,
        MaxCount: request.count,
        SubnetId: first.subnetId,
        UserData: btoa(request.userData),
        ClientToken: request.clientToken,
        TagSpecifications: [
          { ResourceType: "instance", Tags: tags },
          { ResourceType: "volume", Tags: tags },
        ],
        ...(pool.isSpot
          ? {
            InstanceMarketOptions: {
              MarketType: "spot",
              SpotOptions: { SpotInstanceType: "one-time" },
            },
          }
          : {}),
      }),
    );
    const machines = (result.Instances ?? []).map((instance): LaunchedMachine => ({
      id: instance.InstanceId ?? "",
      instanceType: String(instance.InstanceType ?? first.instanceType),
      availabilityZone: instance.Placement?.AvailabilityZone ?? null,
      subnetId: instance.SubnetId ?? first.subnetId,
      isSpot: instance.InstanceLifecycle === "spot" || pool.isSpot,
    })).filter((machine) => machine.id !== "");
    return { machines, failures: [] };
  }

  async #createFleet(request: LaunchRequest): Promise<LaunchOutcome> {
    const { pool } = request;
    const template = pool.template!;
    const version = await this.#batchVersion(request);
    const tags = tagList(request.tags);
    const isPrioritized = pool.allocationStrategy === "prioritized";
    const result: CreateFleetCommandOutput = await this.ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        ClientToken: request.clientToken,
        LaunchTemplateConfigs: [{
          LaunchTemplateSpecification: { LaunchTemplateId: template.id, Version: String(version) },
          Overrides: request.placements.map((placement) => ({
            InstanceType: placement.instanceType as never,
            SubnetId: placement.subnetId,
            ...(isPrioritized ? { Priority: placement.priority } : {}),
          })),
        }],
        TargetCapacitySpecification: {
          TotalTargetCapacity: request.count,
          DefaultTargetCapacityType: pool.isSpot ? "spot" : "on-demand",
        },
        ...strategies(request),
        TagSpecifications: [
          // The fleet itself is a resource too: IAM's gantry:managed request-tag condition covers it.
          { ResourceType: "fleet", Tags: tagList({ "gantry:managed": "true" }) },
          { ResourceType: "instance", Tags: tags },
          { ResourceType: "volume", Tags: tags },
        ],
      }),
    );
    // The version only carried this batch's user data; launched instances no longer need it.
    // (Kept when the call failed: a retry with the same token launches from it.)
    await this.ec2.send(
      new DeleteLaunchTemplateVersionsCommand({
        LaunchTemplateId: template.id,
        Versions: [String(version)],
      }),
    ).catch(() => undefined);
    const launched = (result.Instances ?? []).flatMap((group) =>
      (group.InstanceIds ?? []).map((id) => ({
        id,
        instanceType: String(
          group.InstanceType ?? group.LaunchTemplateAndOverrides?.Overrides?.InstanceType,
        ),
        subnetId: group.LaunchTemplateAndOverrides?.Overrides?.SubnetId ?? null,
        isSpot: group.Lifecycle === "spot" || pool.isSpot,
      }))
    );
    const failures = (result.Errors ?? []).map((error): LaunchFailure => {
      const code = error.ErrorCode ?? "Unknown";
      const overrides = error.LaunchTemplateAndOverrides?.Overrides;
      return {
        instanceType: overrides?.InstanceType,
        subnetId: overrides?.SubnetId,
        kind: PERMANENT_ERRORS.has(code) ? "permanent" : "capacity",
        code,
        message: `${code}: ${error.ErrorMessage ?? ""}`.trim(),
      };
    });
    const zones = await this.#zonesOf(launched.map((machine) => machine.id));
    return {
      machines: launched.map((machine) => ({
        ...machine,
        availabilityZone: zones.get(machine.id) ?? null,
      })),
      failures,
    };
  }

  /** A template version holding the batch's user data (idempotent by client token). */
  async #batchVersion(request: LaunchRequest): Promise<number> {
    const template = request.pool.template!;
    const { LaunchTemplateVersion } = await this.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: template.id,
        SourceVersion: String(template.version),
        ClientToken: request.clientToken,
        VersionDescription: `gantry batch ${request.clientToken}`,
        LaunchTemplateData: { UserData: btoa(request.userData) },
      }),
    );
    const version = Number(LaunchTemplateVersion?.VersionNumber);
    if (!Number.isInteger(version)) throw new Error("CreateLaunchTemplateVersion gave no version");
    return version;
  }

  /** CreateFleet does not say which zone an instance landed in; prices and the console want it. */
  async #zonesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const zones = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const page = await this.ec2.send(
        new DescribeInstancesCommand({ InstanceIds: ids.slice(i, i + 1000) }),
      ).catch(() => undefined);
      for (const reservation of page?.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const zone = instance.Placement?.AvailabilityZone;
          if (instance.InstanceId && zone) zones.set(instance.InstanceId, zone);
        }
      }
    }
    return zones;
  }
}
