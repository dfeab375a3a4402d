/**
 * The EC2 provider: one launch template per pool, launches with a client
 * token, termination. The only module that speaks EC2.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { InvalidError } from "../../../shared/errors.ts";
import { type Placement, placementsOf } from "../../../shared/launch/batch.ts";
import type { Logger } from "../../log.ts";
import {
  type LaunchOutcome,
  type LaunchRequest,
  type MachineState,
  type PoolSpec,
  type PoolTemplate,
  type PricedMachine,
  type Provider,
  type ProviderCapabilities,
  ProviderError,
  type TerminateOutcome,
  TransientError,
} from "../provider.ts";
import { sendEc2 } from "./ec2_errors.ts";
import { Ec2StopStart } from "./stop_start.ts";
import { FleetLauncher } from "./fleet_launch.ts";
import { ImageRootDevices } from "./image_root_device.ts";
import { DESCRIBE_PAGE, describeInstanceStates } from "./instance_states.ts";
import { launchTemplateData, toTagList } from "./launch_template_data.ts";
import type { PriceQuoter } from "./pricing.ts";
import { SubnetDirectory } from "./subnets.ts";
import { TemplateVersions } from "./template_versions.ts";
import { isTemplateGone, TemplateConfirmations } from "./template_confirmations.ts";

/** The most ids one TerminateInstances takes (TerminateInstances API reference). */
export const MAX_TERMINATE_IDS = 1000;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export { launchTemplateData };

export interface Ec2ProviderOptions {
  ec2: EC2Client;
  prices: PriceQuoter;
  log: Logger;
  /** Dates template versions for the sweep and ages the subnet cache; `Date.now` by default. */
  now?: () => number;
}

export class Ec2Provider implements Provider {
  /** Spot, fleet calls, and stopping and starting on-demand instances. */
  readonly capabilities: ProviderCapabilities = {
    spot: true,
    fleetBatching: true,
    stopStart: true,
  };
  readonly stopStart: Ec2StopStart;
  /** Per-batch template versions: deleted after each call, swept hourly; counters for operators. */
  readonly versions: TemplateVersions;
  readonly #fleets: FleetLauncher;
  readonly #images: ImageRootDevices;
  readonly #confirmed: TemplateConfirmations;

  constructor(readonly options: Ec2ProviderOptions) {
    const { ec2, log } = options;
    const now = options.now ?? Date.now;
    this.versions = new TemplateVersions({ ec2, log, now });
    this.stopStart = new Ec2StopStart(ec2);
    this.#fleets = new FleetLauncher({
      ec2,
      subnets: new SubnetDirectory({ ec2, now }),
      versions: this.versions,
    });
    this.#images = new ImageRootDevices(ec2);
    this.#confirmed = new TemplateConfirmations(now);
  }

  /** A placement's size is an instance type, its slot a subnet id. */
  placementsOf(pool: PoolSpec): Placement[] {
    return placementsOf(pool.ec2.instanceTypes, pool.ec2.subnets);
  }

  async ensureTemplate(pool: PoolSpec): Promise<PoolTemplate> {
    try {
      return await this.#ensureTemplate(pool);
    } catch (error) {
      // Trusted without asking, and gone: look again (once) and re-create it.
      const code = error instanceof ProviderError ? error.providerCode : undefined;
      if (!pool.template || !isTemplateGone(code) || !this.#confirmed.forget(pool.template.id)) {
        throw error;
      }
      return await this.#ensureTemplate(pool);
    }
  }

  async #ensureTemplate(pool: PoolSpec): Promise<PoolTemplate> {
    const rootDevice = await sendEc2(
      "DescribeImages",
      () => this.#images.rootDeviceOf(pool.ec2.ami),
    );
    const data = launchTemplateData(pool, { rootDevice });
    const hash = await sha256(JSON.stringify(data));
    const known = pool.template && await this.#templateExists(pool.template.id)
      ? pool.template
      : await this.#findOrCreate(pool, data, hash);
    this.#confirmed.confirm(known.id);
    await this.versions.sweepIfDue(known.id);
    if (known.hash === hash) return known;
    const { LaunchTemplateVersion } = await sendEc2(
      "CreateLaunchTemplateVersion",
      () =>
        this.options.ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: known.id,
            LaunchTemplateData: data,
            // One version per spec: a retry after an unknown outcome, a second core, or a
            // core that lost the template's row gets the version already made, not a copy.
            ClientToken: `${known.id}-${hash.slice(0, 40)}`,
            VersionDescription: `gantry pool ${pool.project}/${pool.name}`,
          }),
        ),
    );
    const version = Number(LaunchTemplateVersion?.VersionNumber);
    await sendEc2(
      "ModifyLaunchTemplate",
      () =>
        this.options.ec2.send(
          new ModifyLaunchTemplateCommand({
            LaunchTemplateId: known.id,
            DefaultVersion: String(version),
          }),
        ),
    );
    return { id: known.id, version, hash };
  }

  async launch(request: LaunchRequest): Promise<LaunchOutcome> {
    const { pool } = request;
    if (!pool.template) {
      throw new InvalidError(`pool ${pool.project}/${pool.name} has no launch template`);
    }
    const action = pool.ec2.spawn === "run_instances" ? "RunInstances" : "CreateFleet";
    const outcome = await sendEc2(action, () => this.#fleets.launch(request));
    const gone = outcome.failures.find((failure) => isTemplateGone(failure.code));
    if (!gone || !this.#confirmed.forget(pool.template.id)) return outcome;
    // Deleted behind Gantry's back since it was last seen: the replay (same client token)
    // ensures the template again, which re-creates it.
    throw new TransientError(
      `EC2 ${action}: ${gone.message} (the pool's template is looked up again)`,
      {
        providerCode: gone.code,
      },
    );
  }

  /**
   * Terminates in calls of at most 1,000 ids (TerminateInstances API
   * reference). One unknown id fails a whole call, so the ids EC2 names as
   * NotFound are set aside and the rest sent again. NotFound does not mean
   * gone (EC2 is eventually consistent: a new id may not have propagated), so
   * those ids are returned for the caller to check again later.
   */
  async terminate(ids: readonly string[]): Promise<TerminateOutcome> {
    const notFound: string[] = [];
    for (let start = 0; start < ids.length; start += MAX_TERMINATE_IDS) {
      notFound.push(...await this.#terminateChunk(ids.slice(start, start + MAX_TERMINATE_IDS)));
    }
    return { notFound };
  }

  /** One chunk; returns the ids EC2 said it does not know. */
  async #terminateChunk(chunk: readonly string[]): Promise<string[]> {
    const notFound: string[] = [];
    let rest = [...chunk];
    while (rest.length > 0) {
      const unknown = await this.#sendTerminate(rest);
      if (unknown === null) break;
      const named = rest.filter((id) => unknown.has(id));
      if (named.length === 0) {
        // A message that names none of ours: find the unknown ones one id per call.
        if (rest.length === 1) notFound.push(...rest);
        else for (const id of rest) notFound.push(...await this.#terminateChunk([id]));
        break;
      }
      notFound.push(...named);
      rest = rest.filter((id) => !unknown.has(id));
    }
    return notFound;
  }

  /** One TerminateInstances: null when it took, else the ids its NotFound message names. */
  async #sendTerminate(ids: string[]): Promise<Set<string> | null> {
    try {
      await sendEc2(
        "TerminateInstances",
        () => this.options.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })),
      );
      return null;
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      if (cause?.name !== "InvalidInstanceID.NotFound") throw error;
      // "The instance ID 'i-…' does not exist" / "The instance IDs 'i-…, i-…' do not exist".
      return new Set(cause.message?.match(/i-[0-9a-f]+/g) ?? []);
    }
  }

  describe(ids: readonly string[]): Promise<MachineState[]> {
    return describeInstanceStates(this.options.ec2, ids);
  }

  async listManaged(): Promise<{ id: string; launchedAt: number }[]> {
    const machines: { id: string; launchedAt: number }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sendEc2("DescribeInstances", () =>
        this.options.ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: "tag:gantry:managed", Values: ["true"] },
              {
                Name: "instance-state-name",
                Values: ["pending", "running", "stopping", "stopped"],
              },
            ],
            MaxResults: DESCRIBE_PAGE,
            NextToken,
          }),
        ));
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (!instance.InstanceId) continue;
          machines.push({
            id: instance.InstanceId,
            launchedAt: instance.LaunchTime?.getTime() ?? Date.now(),
          });
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return machines;
  }

  quote(machine: PricedMachine): Promise<number | null> {
    return this.options.prices.quote({
      instanceType: machine.size,
      availabilityZone: machine.zone,
      isSpot: machine.isSpot,
    });
  }

  async #templateExists(id: string): Promise<boolean> {
    if (this.#confirmed.isTrusted(id)) return true;
    try {
      const { LaunchTemplates = [] } = await sendEc2(
        "DescribeLaunchTemplates",
        () =>
          this.options.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] })),
      );
      return LaunchTemplates.length > 0;
    } catch (error) {
      if (
        String((error as { cause?: { name?: string } }).cause?.name).startsWith(
          "InvalidLaunchTemplate",
        )
      ) {
        return false;
      }
      throw error;
    }
  }

  /** Re-creates a template deleted behind Gantry's back, or adopts one named for the pool. */
  async #findOrCreate(
    pool: PoolSpec,
    data: RequestLaunchTemplateData,
    hash: string,
  ): Promise<PoolTemplate> {
    // Named by pool id, not pool name, so renames keep the template.
    const name = `gantry-pool-${pool.id}`;
    try {
      const { LaunchTemplate } = await sendEc2(
        "CreateLaunchTemplate",
        () =>
          this.options.ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: name,
              LaunchTemplateData: data,
              // IAM scopes the template's later changes (version deletes) by this resource tag.
              TagSpecifications: [{
                ResourceType: "launch-template",
                Tags: toTagList({ "gantry:managed": "true" }),
              }],
            }),
          ),
      );
      return { id: LaunchTemplate?.LaunchTemplateId ?? "", version: 1, hash };
    } catch (error) {
      if (
        (error as { cause?: { name?: string } }).cause?.name !==
          "InvalidLaunchTemplateName.AlreadyExistsException"
      ) {
        throw error;
      }
      const { LaunchTemplates = [] } = await sendEc2(
        "DescribeLaunchTemplates",
        () =>
          this.options.ec2.send(
            new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }),
          ),
      );
      const found = LaunchTemplates[0];
      // Unknown hash: the caller writes a fresh version from the current spec.
      return {
        id: found?.LaunchTemplateId ?? "",
        version: Number(found?.DefaultVersionNumber),
        hash: "",
      };
    }
  }
}
