/**
 * Launch template versions that must not pile up. Every fleet batch writes a
 * version holding its user data; AWS caps a template at 10,000 versions, so
 * each is deleted once its call has answered, a delete that fails is logged
 * with EC2's code and counted, and a sweep (at most hourly per template)
 * removes non-default versions older than an hour that a crash or a failed
 * delete left behind.
 */
import {
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplateVersion,
} from "@aws-sdk/client-ec2";
import type { Logger } from "../../log.ts";
import { ec2CodeOf } from "./ec2_errors.ts";

/** A leftover version older than this is the sweep's. */
export const VERSION_MAX_AGE_MS = 3_600_000;
/** How often one template is swept. */
export const SWEEP_INTERVAL_MS = 3_600_000;
/** DeleteLaunchTemplateVersions takes at most 200 versions per call. */
const DELETE_CHUNK = 200;

/** Counts the core keeps about template versions (the core has no metrics endpoint; logged). */
export interface TemplateVersionCounters {
  deleted: number;
  deleteFailures: number;
  swept: number;
}

/** How a batch's version is described: the one way to find it again by its client token. */
export function batchVersionDescription(clientToken: string): string {
  return `gantry batch ${clientToken}`;
}

export class TemplateVersions {
  readonly counters: TemplateVersionCounters = { deleted: 0, deleteFailures: 0, swept: 0 };
  #sweptAt = new Map<string, number>();

  constructor(readonly options: { ec2: EC2Client; log: Logger; now: () => number }) {}

  /** Deletes a batch's version; a failure is logged and counted, never thrown (the sweep retries). */
  async deleteBatchVersion(templateId: string, version: number): Promise<void> {
    await this.#delete(templateId, [version], "batch");
  }

  /** Sweeps `templateId` unless it was swept within the hour; failures are logged, not thrown. */
  async sweepIfDue(templateId: string): Promise<void> {
    const last = this.#sweptAt.get(templateId);
    if (last !== undefined && this.options.now() - last < SWEEP_INTERVAL_MS) return;
    this.#sweptAt.set(templateId, this.options.now());
    try {
      await this.sweep(templateId);
    } catch (error) {
      this.options.log.warn("could not sweep launch template versions; next hour retries", {
        templateId,
        code: ec2CodeOf(error) ?? (error as Error).name,
        error,
      });
    }
  }

  /** Deletes every non-default version of `templateId` created over an hour ago; returns how many. */
  async sweep(templateId: string): Promise<number> {
    const before = this.options.now() - VERSION_MAX_AGE_MS;
    const old: number[] = [];
    for await (const version of this.#versions(templateId)) {
      const created = version.CreateTime?.getTime();
      if (
        !version.DefaultVersion && version.VersionNumber !== undefined &&
        created !== undefined && created < before
      ) {
        old.push(version.VersionNumber);
      }
    }
    let deleted = 0;
    for (let i = 0; i < old.length; i += DELETE_CHUNK) {
      deleted += await this.#delete(templateId, old.slice(i, i + DELETE_CHUNK), "sweep");
    }
    this.counters.swept += deleted;
    if (deleted > 0) {
      this.options.log.info("swept leftover launch template versions", { templateId, deleted });
    }
    return deleted;
  }

  /** The version a batch with `clientToken` created, by its description; null when none is left. */
  async batchVersionOf(templateId: string, clientToken: string): Promise<number | null> {
    for await (const version of this.#versions(templateId)) {
      if (version.VersionDescription === batchVersionDescription(clientToken)) {
        return version.VersionNumber ?? null;
      }
    }
    return null;
  }

  /** Every version of `templateId`, page by page. */
  async *#versions(templateId: string): AsyncGenerator<LaunchTemplateVersion> {
    let NextToken: string | undefined;
    do {
      const page = await this.options.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: templateId,
          MaxResults: 200,
          NextToken,
        }),
      );
      yield* page.LaunchTemplateVersions ?? [];
      NextToken = page.NextToken;
    } while (NextToken);
  }

  async #delete(templateId: string, versions: number[], why: "batch" | "sweep"): Promise<number> {
    try {
      const result = await this.options.ec2.send(
        new DeleteLaunchTemplateVersionsCommand({
          LaunchTemplateId: templateId,
          Versions: versions.map(String),
        }),
      );
      const refused = result.UnsuccessfullyDeletedLaunchTemplateVersions ?? [];
      for (const failure of refused) {
        this.#failed({
          templateId,
          version: failure.VersionNumber,
          code: failure.ResponseError?.Code ?? "unknown",
          message: failure.ResponseError?.Message,
          why,
        });
      }
      const deleted = result.SuccessfullyDeletedLaunchTemplateVersions?.length ?? 0;
      this.counters.deleted += deleted;
      return deleted;
    } catch (error) {
      for (const version of versions) {
        this.#failed({
          templateId,
          version,
          code: ec2CodeOf(error) ?? (error as Error).name,
          message: (error as Error).message,
          why,
        });
      }
      return 0;
    }
  }

  #failed(
    fields: {
      templateId: string;
      version?: number;
      code: string;
      message?: string;
      why: "batch" | "sweep";
    },
  ): void {
    this.counters.deleteFailures += 1;
    this.options.log.warn("could not delete a launch template version; the sweep retries", {
      ...fields,
      deleteFailuresTotal: this.counters.deleteFailures,
    });
  }
}
