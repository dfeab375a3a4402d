/**
 * Launch templates and their versions. Each version keeps its
 * `LaunchTemplateData.*` params raw (prefix stripped), exactly as the client
 * sent them, so a launch can read any field and a test can assert on any.
 *
 * @module
 */

import { Ec2ApiError, type Params, randomHex } from "./protocol.ts";

/** One version of a launch template. */
export interface EmulatedTemplateVersion {
  versionNumber: number;
  description?: string;
  /** `LaunchTemplateData.*` params with the prefix stripped, e.g. `ImageId`, `TagSpecification.1.ResourceType`. */
  data: Params;
  /** Creation time, epoch milliseconds. */
  createdAt: number;
}

/** A snapshot of one launch template, as tests and `GET /_emulator/launch-templates` see it. */
export interface EmulatedLaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  defaultVersionNumber: number;
  latestVersionNumber: number;
  tags: Record<string, string>;
  /** Creation time, epoch milliseconds. */
  createdAt: number;
  versions: EmulatedTemplateVersion[];
}

/** Which template a request names, the way every EC2 action spells it. */
export interface TemplateReference {
  launchTemplateId?: string;
  launchTemplateName?: string;
  /** A version number, `$Latest` or `$Default`; absent means `$Default`. */
  version?: string;
}

const NAME_PATTERN = /^[a-zA-Z0-9().\-/_]{3,128}$/;

/** Versions per launch template, AWS's quota (EC2 user guide, "Launch template restrictions"). */
export const MAX_TEMPLATE_VERSIONS = 10_000;

/** Holds every launch template; names are unique, as in EC2. */
export class LaunchTemplateStore {
  #templates = new Map<string, EmulatedLaunchTemplate>();
  readonly maxVersions: number;

  constructor(options: { maxVersions?: number } = {}) {
    this.maxVersions = options.maxVersions ?? MAX_TEMPLATE_VERSIONS;
  }

  /** Creates a template whose version 1 is `data`. */
  create(
    name: string,
    version: Omit<EmulatedTemplateVersion, "versionNumber">,
    tags: Record<string, string>,
  ): EmulatedLaunchTemplate {
    if (!NAME_PATTERN.test(name)) {
      throw new Ec2ApiError(
        "InvalidLaunchTemplateName.MalformedException",
        "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'",
      );
    }
    if (this.list().some((template) => template.launchTemplateName === name)) {
      throw new Ec2ApiError(
        "InvalidLaunchTemplateName.AlreadyExistsException",
        `Launch template name already in use.`,
      );
    }
    const template: EmulatedLaunchTemplate = {
      launchTemplateId: `lt-${randomHex(17)}`,
      launchTemplateName: name,
      defaultVersionNumber: 1,
      latestVersionNumber: 1,
      tags,
      createdAt: version.createdAt,
      versions: [{ ...version, versionNumber: 1 }],
    };
    this.#templates.set(template.launchTemplateId, template);
    return structuredClone(template);
  }

  /**
   * Adds a version. With a source version, the new data starts from the
   * source's and replaces each top-level member the request sets (a list such
   * as `TagSpecification` is replaced whole), as CreateLaunchTemplateVersion does.
   */
  addVersion(
    reference: TemplateReference,
    version: Omit<EmulatedTemplateVersion, "versionNumber">,
    sourceVersion?: string,
  ): { template: EmulatedLaunchTemplate; version: EmulatedTemplateVersion } {
    const template = this.#find(reference);
    if (template.versions.length >= this.maxVersions) {
      throw new Ec2ApiError(
        "LaunchTemplateVersionLimitExceeded",
        `Launch template ${template.launchTemplateId} already has ${template.versions.length} versions, the most allowed (${this.maxVersions}). Delete versions you no longer use.`,
      );
    }
    let data = version.data;
    if (sourceVersion !== undefined) {
      const source = this.#version(template, sourceVersion);
      const replaced = new Set(Object.keys(data).map(rootOf));
      const kept = Object.entries(source.data).filter(([key]) => !replaced.has(rootOf(key)));
      data = { ...Object.fromEntries(kept), ...data };
    }
    const added = { ...version, data, versionNumber: template.latestVersionNumber + 1 };
    template.versions.push(added);
    template.latestVersionNumber = added.versionNumber;
    return { template: structuredClone(template), version: structuredClone(added) };
  }

  /** Makes `version` the default one. */
  setDefault(reference: TemplateReference, version: string): EmulatedLaunchTemplate {
    const template = this.#find(reference);
    template.defaultVersionNumber = this.#version(template, version).versionNumber;
    return structuredClone(template);
  }

  /**
   * Deletes versions; the default version cannot be deleted (as in EC2).
   * Returns the version numbers deleted and, per refused version, the reason.
   */
  deleteVersions(
    reference: TemplateReference,
    versions: readonly string[],
  ): { deleted: number[]; refused: { version: string; code: string; message: string }[] } {
    const template = this.#find(reference);
    const result = {
      deleted: [] as number[],
      refused: [] as { version: string; code: string; message: string }[],
    };
    for (const version of versions) {
      const number = Number(version);
      const index = template.versions.findIndex((v) => v.versionNumber === number);
      if (index === -1) {
        result.refused.push({
          version,
          code: "launchTemplateVersionDoesNotExist",
          message: "The specified launch template version does not exist.",
        });
      } else if (number === template.defaultVersionNumber) {
        result.refused.push({
          version,
          code: "launchTemplateVersionCannotBeDeleted",
          message: "The default version of a launch template cannot be deleted.",
        });
      } else {
        template.versions.splice(index, 1);
        result.deleted.push(number);
      }
    }
    return result;
  }

  /** Deletes a template and all its versions. */
  delete(reference: TemplateReference): EmulatedLaunchTemplate {
    const template = this.#find(reference);
    this.#templates.delete(template.launchTemplateId);
    return structuredClone(template);
  }

  /** The template and the version a launch names (`$Default` when none is given). */
  resolve(reference: TemplateReference): {
    template: EmulatedLaunchTemplate;
    version: EmulatedTemplateVersion;
  } {
    const template = this.#find(reference);
    const version = this.#version(template, reference.version ?? "$Default");
    return { template: structuredClone(template), version: structuredClone(version) };
  }

  /** The template a reference names, or the NotFound error EC2 gives for it. */
  get(reference: TemplateReference): EmulatedLaunchTemplate {
    return structuredClone(this.#find(reference));
  }

  /** Adds or overwrites tags on a template (CreateTags with an `lt-` id). */
  tag(launchTemplateId: string, tags: Record<string, string>): void {
    const template = this.#find({ launchTemplateId });
    template.tags = { ...template.tags, ...tags };
  }

  /** Every template, oldest first. */
  list(): EmulatedLaunchTemplate[] {
    return [...this.#templates.values()].map((template) => structuredClone(template));
  }

  /** Forgets every template. */
  clear(): void {
    this.#templates.clear();
  }

  #find(reference: TemplateReference): EmulatedLaunchTemplate {
    const { launchTemplateId: id, launchTemplateName: name } = reference;
    if (id !== undefined) {
      if (!/^lt-[0-9a-f]{17}$/.test(id)) {
        throw new Ec2ApiError(
          "InvalidLaunchTemplateId.Malformed",
          `The specified launch template ID is invalid: '${id}'.`,
        );
      }
      const template = this.#templates.get(id);
      if (template) return template;
      throw new Ec2ApiError(
        "InvalidLaunchTemplateId.NotFound",
        `The specified launch template, with template ID ${id}, does not exist.`,
      );
    }
    if (name !== undefined) {
      const template = [...this.#templates.values()].find((t) => t.launchTemplateName === name);
      if (template) return template;
      throw new Ec2ApiError(
        "InvalidLaunchTemplateName.NotFoundException",
        `The specified launch template, with template name ${name}, does not exist.`,
      );
    }
    throw new Ec2ApiError(
      "MissingParameter",
      "The request must include either a launch template ID or a launch template name.",
    );
  }

  #version(template: EmulatedLaunchTemplate, version: string): EmulatedTemplateVersion {
    const number = version === "$Latest"
      ? template.latestVersionNumber
      : version === "$Default"
      ? template.defaultVersionNumber
      : Number(version);
    const found = template.versions.find((candidate) => candidate.versionNumber === number);
    if (found) return found;
    throw new Ec2ApiError(
      "InvalidLaunchTemplateId.VersionNotFound",
      `Could not find launch template version ${version} for launch template ${template.launchTemplateId}.`,
    );
  }
}

/** The top-level member a raw data key belongs to: `TagSpecification.1.Tag.1.Key` → `TagSpecification`. */
function rootOf(key: string): string {
  return key.split(".")[0];
}
