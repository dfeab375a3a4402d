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
import { GantryError, InvalidError, NotFoundError, UpstreamError } from "../../shared/errors.ts";
import type { LaunchOutcome, LaunchRequest, PoolSpec, Provider } from "../scheduler/provider.ts";
import type { MachineState } from "../scheduler/reap_plan.ts";
import { FleetLauncher } from "./fleet_launch.ts";
import { ImageRootDevices } from "./image_root_device.ts";
import { describeInstanceStates } from "./instance_states.ts";
import { launchTemplateData } from "./launch_template_data.ts";
import type { PriceQuoter } from "./pricing.ts";

/** EC2 errors that no retry fixes: the pool's config or IAM is wrong. */
const PERMANENT_ERRORS = new Set([
  "InvalidAMIID.Malformed",
  "InvalidAMIID.NotFound",
  "InvalidGroup.NotFound",
  "InvalidSubnetID.NotFound",
  "InvalidParameterValue",
  "UnauthorizedOperation",
  "InvalidLaunchTemplateId.Malformed",
]);

/** A launch failed because the pool or account is misconfigured: fail the job, do not retry. */
export class PermanentLaunchError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("launch_permanent", message, options);
  }
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export { launchTemplateData };

export class Ec2Provider implements Provider {
  readonly #images: ImageRootDevices;

  constructor(readonly options: { ec2: EC2Client; prices: PriceQuoter }) {
    this.#images = new ImageRootDevices(options.ec2);
  }

  async ensureTemplate(pool: PoolSpec): Promise<{ id: string; version: number; hash: string }> {
    const rootDevice = await this.#send(
      "DescribeImages",
      () => this.#images.rootDeviceOf(pool.ami),
    );
    const data = launchTemplateData(pool, { rootDevice });
    const hash = await sha256(JSON.stringify(data));
    const known = pool.template && await this.#templateExists(pool.template.id)
      ? pool.template
      : await this.#findOrCreate(pool, data, hash);
    if (known.hash === hash) return known;
    const { LaunchTemplateVersion } = await this.#send(
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
    await this.#send(
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
    const action = pool.spawn === "run_instances" ? "RunInstances" : "CreateFleet";
    return await this.#send(action, () => new FleetLauncher(this.options.ec2).launch(request));
  }

  async terminate(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#send(
        "TerminateInstances",
        () => this.options.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids] })),
      );
    } catch (error) {
      // Already gone is what we wanted.
      if ((error as { cause?: { name?: string } }).cause?.name !== "InvalidInstanceID.NotFound") {
        throw error;
      }
    }
  }

  describe(ids: readonly string[]): Promise<MachineState[]> {
    return describeInstanceStates(this.options.ec2, ids);
  }

  async listManaged(): Promise<{ id: string; launchedAt: number }[]> {
    const machines: { id: string; launchedAt: number }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.#send("DescribeInstances", () =>
        this.options.ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: "tag:gantry:managed", Values: ["true"] },
              {
                Name: "instance-state-name",
                Values: ["pending", "running", "stopping", "stopped"],
              },
            ],
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

  quote(machine: { instanceType: string; availabilityZone: string | null; isSpot: boolean }) {
    return this.options.prices.quote(machine);
  }

  async #templateExists(id: string): Promise<boolean> {
    try {
      const { LaunchTemplates = [] } = await this.#send(
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
  ): Promise<{ id: string; version: number; hash: string }> {
    // Named by pool id, not pool name, so renames keep the template.
    const name = `gantry-pool-${pool.id}`;
    try {
      const { LaunchTemplate } = await this.#send(
        "CreateLaunchTemplate",
        () =>
          this.options.ec2.send(
            new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: data }),
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
      const { LaunchTemplates = [] } = await this.#send(
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

  /** Sends a command, translating AWS errors into Gantry's. */
  async #send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      const name = (cause as { name?: string }).name ?? "Error";
      const message = `EC2 ${action}: ${name}: ${(cause as Error).message}`;
      if (PERMANENT_ERRORS.has(name) || cause instanceof NotFoundError) {
        throw new PermanentLaunchError(message, { cause });
      }
      throw new UpstreamError(message, { cause });
    }
  }
}
