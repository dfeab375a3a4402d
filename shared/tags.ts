/**
 * EC2 tags on the instances Gantry launches. Operators set tags on a
 * project, a pool and a repository; Gantry adds its own under the reserved
 * `gantry:` prefix, which the reaper and cost reports rely on, so operators
 * may not set those.
 *
 * @module
 */

import { InvalidError } from "./errors.ts";

/** Tag key to value. */
export type Tags = Record<string, string>;

/** Prefix of the tags Gantry sets itself; operator tags may not use it. */
export const RESERVED_TAG_PREFIX = "gantry:";

/** At most this many operator tags per layer; EC2 allows 50 per resource, Gantry's own included. */
export const MAX_OPERATOR_TAGS = 40;
/** EC2's limit of user tags per resource (EC2 user guide, "Tag restrictions"). */
export const MAX_TAGS_PER_RESOURCE = 50;
/** The most tags Gantry adds itself: gantry:managed, :project, :pool, :repo, :job. */
export const MAX_GANTRY_TAGS = 5;
/** EC2 tag key length limit, in Unicode characters. */
export const MAX_TAG_KEY_LENGTH = 128;
/** EC2 tag value length limit, in Unicode characters. */
export const MAX_TAG_VALUE_LENGTH = 256;

/** One problem with a set of operator tags; `key` is absent for problems with the whole set. */
export interface TagProblem {
  key?: string;
  message: string;
}

/** Every problem with `tags` as operator tags; empty when they are fine. */
export function operatorTagProblems(tags: Tags): TagProblem[] {
  const problems: TagProblem[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_OPERATOR_TAGS) {
    problems.push({
      message: `at most ${MAX_OPERATOR_TAGS} tags are allowed, got ${entries.length}`,
    });
  }
  for (const [key, value] of entries) {
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > MAX_TAG_KEY_LENGTH) {
      problems.push({ key, message: `key must be 1-${MAX_TAG_KEY_LENGTH} characters` });
    }
    if (key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) {
      problems.push({
        key,
        message: `the "${RESERVED_TAG_PREFIX}" prefix is reserved for Gantry's own tags`,
      });
    }
    if (key.toLowerCase().startsWith("aws:")) {
      problems.push({ key, message: 'the "aws:" prefix is reserved by AWS' });
    }
    if (typeof value !== "string") {
      problems.push({ key, message: "value must be a string" });
    } else if ([...value].length > MAX_TAG_VALUE_LENGTH) {
      problems.push({
        key,
        message: `value must be at most ${MAX_TAG_VALUE_LENGTH} characters`,
      });
    }
  }
  return problems;
}

/**
 * Returns `tags` if they are valid operator tags.
 *
 * @param where key path of the tags, used in issue paths: `"tags"` gives
 *   issues at `tags.gantry:job`.
 * @throws {InvalidError} listing every problem by key path.
 */
export function validateOperatorTags(tags: Tags, where: string): Tags {
  const problems = operatorTagProblems(tags);
  if (problems.length === 0) return tags;
  const issues = problems.map(({ key, message }) => ({
    path: key === undefined ? where : where === "" ? key : `${where}.${key}`,
    message,
  }));
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  throw new InvalidError(`invalid tags: ${summary}`, { issues });
}

/**
 * Merges tag layers: project, then pool, then repository; a later layer's
 * value wins on the same key.
 */
export function cascadeTags(layers: { project?: Tags; pool?: Tags; repo?: Tags }): Tags {
  return { ...layers.project, ...layers.pool, ...layers.repo };
}

/** Gantry's own tags for an instance; `gantry:repo` and `gantry:job` only when known. */
export function gantryTags(
  ids: { project: string; pool: string; repo?: string; job?: string | number },
): Tags {
  const tags: Tags = {
    "gantry:managed": "true",
    "gantry:project": ids.project,
    "gantry:pool": ids.pool,
  };
  if (ids.repo !== undefined) tags["gantry:repo"] = ids.repo;
  if (ids.job !== undefined) tags["gantry:job"] = String(ids.job);
  return tags;
}

/** A named tag layer: the project, a pool or a repository, as an operator knows it. */
export interface NamedTags {
  name: string;
  tags: Tags;
}

/**
 * Why the merged tags of a project, one of its pools and (optionally) one of
 * its repositories, plus Gantry's own, would give an instance more than EC2's
 * 50 per resource; null when they fit. Keys are case-sensitive in EC2, so
 * `Team` and `team` are two tags, and a key set on two layers is one.
 */
export function mergedTagOverflow(
  layers: { project: NamedTags; pool: NamedTags; repo?: NamedTags },
): string | null {
  const merged = cascadeTags({
    project: layers.project.tags,
    pool: layers.pool.tags,
    repo: layers.repo?.tags,
  });
  const total = Object.keys(merged).length + MAX_GANTRY_TAGS;
  if (total <= MAX_TAGS_PER_RESOURCE) return null;
  const parts = [
    `project "${layers.project.name}" (${Object.keys(layers.project.tags).length})`,
    `pool "${layers.pool.name}" (${Object.keys(layers.pool.tags).length})`,
    ...(layers.repo
      ? [`repo "${layers.repo.name}" (${Object.keys(layers.repo.tags).length})`]
      : []),
  ];
  return `${parts.join(", ")} merge to ${
    total - MAX_GANTRY_TAGS
  } distinct tags; with Gantry's own ${MAX_GANTRY_TAGS} an instance would carry ${total}, ` +
    `over EC2's ${MAX_TAGS_PER_RESOURCE} per resource: remove ${
      total - MAX_TAGS_PER_RESOURCE
    } of them`;
}

/**
 * The first overflow among every pool of a project, each with no repo tags
 * (an org-scoped project's unbound repos) and with each bound repo's.
 */
export function projectTagOverflow(
  project: NamedTags,
  pools: readonly NamedTags[],
  repos: readonly NamedTags[],
): string | null {
  for (const pool of pools) {
    for (const repo of [undefined, ...repos]) {
      const problem = mergedTagOverflow({ project, pool, repo });
      if (problem) return problem;
    }
  }
  return null;
}
