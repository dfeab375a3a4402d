/**
 * Launching a batch on EC2: one `CreateFleet` (type `instant`) over every
 * placement (its size an instance type, its slot a subnet), or
 * `RunInstances` with MinCount = MaxCount = n on the first placement. CreateFleet cannot take user data, so
 * the batch's user data goes into a launch template version made for the
 * batch (from the pool's default version, same client token, so a replay
 * finds the same version) and deleted once the call has answered. A launch
 * that asks for hibernation (a stopped pool's of one size) sets
 * `HibernationOptions.Configured` the same way: on RunInstances itself, or in
 * the batch's template version for CreateFleet, never on the pool's template
 * (its job launches do not hibernate). The template's root volume is
 * encrypted, which EC2 requires of a hibernating instance.
 */
import {
  CreateFleetCommand,
  type CreateFleetCommandOutput,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type FleetOnDemandAllocationStrategy,
  RunInstancesCommand,
  type SpotAllocationStrategy,
} from "@aws-sdk/client-ec2";
import type { LaunchedMachine, LaunchFailure, LaunchOutcome, LaunchRequest } from "../provider.ts";
import { fleetPlacements } from "../../../shared/launch/fleet_placement.ts";
import { classifyEc2Error, ec2CodeOf } from "./ec2_errors.ts";
import { toTagList } from "./launch_template_data.ts";
import type { SubnetDirectory } from "./subnets.ts";
import { batchVersionDescription, type TemplateVersions } from "./template_versions.ts";

/** On-demand fleets know two strategies; spot fleets name the prioritized one differently. */
function strategies(request: LaunchRequest) {
  const strategy = request.pool.ec2.allocationStrategy;
  if (request.pool.isSpot) {
    const spot = strategy === "prioritized" ? "capacity-optimized-prioritized" : strategy;
    return { SpotOptions: { AllocationStrategy: spot as SpotAllocationStrategy } };
  }
  const onDemand = strategy === "prioritized" ? "prioritized" : "lowest-price";
  return { OnDemandOptions: { AllocationStrategy: onDemand as FleetOnDemandAllocationStrategy } };
}

export interface FleetLauncherDeps {
  ec2: EC2Client;
  /** Zones and free addresses of the pool's subnets. */
  subnets: SubnetDirectory;
  /** Deletes the per-batch template versions. */
  versions: TemplateVersions;
}

export class FleetLauncher {
  constructor(readonly deps: FleetLauncherDeps) {}

  get ec2(): EC2Client {
    return this.deps.ec2;
  }

  /**
   * One launch call. EC2's answer, when it is an error, becomes a failure of
   * its class (capacity on the placement tried, permanent or unknown for the
   * call); a throttled call or one EC2 never answered is thrown, to be
   * replayed with the same client token.
   */
  async launch(request: LaunchRequest): Promise<LaunchOutcome> {
    try {
      return request.pool.ec2.spawn === "run_instances"
        ? await this.#runInstances(request)
        : await this.#createFleet(request);
    } catch (error) {
      const code = ec2CodeOf(error);
      if (code === undefined) throw error;
      const kind = classifyEc2Error(code);
      if (kind === "throttled") throw error;
      const failure = { kind, code, message: `${code}: ${(error as Error).message}` };
      if (kind !== "capacity" || request.pool.ec2.spawn !== "run_instances") {
        return { machines: [], failures: [failure] };
      }
      const first = request.placements[0];
      return {
        machines: [],
        failures: [{ ...failure, size: first?.size, slot: first?.slot }],
      };
    }
  }

  async #runInstances(request: LaunchRequest): Promise<LaunchOutcome> {
    const { pool } = request;
    const template = pool.template!;
    const first = request.placements[0];
    const tags = toTagList(request.tags);
    const result = await this.ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: template.id, Version: String(template.version) },
        InstanceType: first.size as never,
        MinCount: request.count,
        MaxCount: request.count,
        SubnetId: first.slot,
        UserData: btoa(request.userData),
        ClientToken: request.clientToken,
        ...(request.hibernation ? { HibernationOptions: { Configured: true } } : {}),
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
      size: String(instance.InstanceType ?? first.size),
      zone: instance.Placement?.AvailabilityZone ?? null,
      slot: instance.SubnetId ?? first.slot,
      isSpot: instance.InstanceLifecycle === "spot" || pool.isSpot,
    })).filter((machine) => machine.id !== "");
    return { machines, failures: [] };
  }

  async #createFleet(request: LaunchRequest): Promise<LaunchOutcome> {
    const { pool } = request;
    const template = pool.template!;
    // EC2 Fleet takes one subnet per Availability Zone ("EC2 Fleet quotas", EC2 user guide).
    const placements = fleetPlacements(request.placements, {
      subnets: await this.deps.subnets.describe(pool.ec2.subnets),
      count: request.count,
      clientToken: request.clientToken,
    });
    const version = await this.#batchVersion(request);
    const tags = toTagList(request.tags);
    const isPrioritized = pool.ec2.allocationStrategy === "prioritized";
    const result: CreateFleetCommandOutput = await this.ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        ClientToken: request.clientToken,
        LaunchTemplateConfigs: [{
          LaunchTemplateSpecification: { LaunchTemplateId: template.id, Version: String(version) },
          Overrides: placements.map((placement) => ({
            InstanceType: placement.size as never,
            SubnetId: placement.slot,
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
          { ResourceType: "fleet", Tags: toTagList({ "gantry:managed": "true" }) },
          { ResourceType: "instance", Tags: tags },
          { ResourceType: "volume", Tags: tags },
        ],
      }),
    );
    // The version only carried this batch's user data; launched instances no longer need it.
    // (Kept when the call failed: a retry with the same token launches from it, and the
    // sweep removes it an hour later.)
    await this.deps.versions.deleteBatchVersion(template.id, version);
    const launched = (result.Instances ?? []).flatMap((group) =>
      (group.InstanceIds ?? []).map((id) => ({
        id,
        size: String(
          group.InstanceType ?? group.LaunchTemplateAndOverrides?.Overrides?.InstanceType,
        ),
        slot: group.LaunchTemplateAndOverrides?.Overrides?.SubnetId ?? null,
        isSpot: group.Lifecycle === "spot" || pool.isSpot,
      }))
    );
    const failures = (result.Errors ?? []).map((error): LaunchFailure => {
      const code = error.ErrorCode ?? "Unknown";
      const overrides = error.LaunchTemplateAndOverrides?.Overrides;
      return {
        size: overrides?.InstanceType,
        slot: overrides?.SubnetId,
        kind: classifyEc2Error(code),
        code,
        message: `${code}: ${error.ErrorMessage ?? ""}`.trim(),
      };
    });
    const zones = await this.#zonesOf(launched.map((machine) => machine.id));
    return {
      machines: launched.map((machine) => ({
        ...machine,
        zone: zones.get(machine.id) ?? null,
      })),
      failures,
    };
  }

  /**
   * A template version holding the batch's user data (idempotent by client
   * token). A replay after the pool's default version moved on (another
   * batch's ensureTemplate, an operator's edit) sends other parameters under
   * the same token, which EC2 refuses: the replay launches from the version
   * the token made, as the first call did.
   */
  async #batchVersion(request: LaunchRequest): Promise<number> {
    const template = request.pool.template!;
    let made;
    try {
      made = await this.ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: template.id,
          SourceVersion: String(template.version),
          ClientToken: request.clientToken,
          VersionDescription: batchVersionDescription(request.clientToken),
          LaunchTemplateData: {
            UserData: btoa(request.userData),
            ...(request.hibernation ? { HibernationOptions: { Configured: true } } : {}),
          },
        }),
      );
    } catch (error) {
      if (ec2CodeOf(error) !== "IdempotentParameterMismatch") throw error;
      const earlier = await this.deps.versions.batchVersionOf(template.id, request.clientToken);
      if (earlier === null) throw error;
      return earlier;
    }
    const version = Number(made.LaunchTemplateVersion?.VersionNumber);
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
