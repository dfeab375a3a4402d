/**
 * Pool routing: which pool of a project launches the runner for a queued job.
 *
 * A pool can take a job when its runner label set (for the job's repository)
 * contains every label of the job's `runs-on`. Among those pools, one named
 * in `runs-on` wins, else the project's default pool, else the pool with the
 * lowest priority number. Ties fall to priority, then name, then id, so the
 * same input always gives the same pool.
 *
 * @module
 */

import { isPinLabel, PIN_LABEL_PREFIX, pinOf, poolLabelSet, sanitizeLabel } from "./labels.ts";

/** A pool as routing sees it. */
export interface RoutablePool {
  id: string;
  /** Name of the project the pool belongs to. */
  project: string;
  name: string;
  /** Lower numbers win. */
  priority: number;
  isDefault: boolean;
  isEnabled: boolean;
  extraLabels: readonly string[];
}

/** A queued job as routing sees it. */
export interface RoutableJob {
  /** Repository as `owner/repo`. */
  repoFullName: string;
  /** Raw `runs-on` labels from the webhook. */
  labels: readonly string[];
}

/** Where a job goes: a pool and the labels its runner registers with, or nowhere and why. */
export type RouteDecision =
  | {
    kind: "routed";
    pool: RoutablePool;
    /** The runner's label set: {@link poolLabelSet}, plus `gantry-run=<id>` when pinned. */
    labels: string[];
    /** The runner id from a `gantry-run=<id>` label in `runs-on`. */
    pin?: string;
  }
  | { kind: "dropped"; reason: string };

/** Deterministic pool order: priority ascending, then name, then id. */
export function comparePools(a: RoutablePool, b: RoutablePool): number {
  return a.priority - b.priority || compareText(a.name, b.name) || compareText(a.id, b.id);
}

/**
 * Routes a job to one of `pools`, the pools of the project the job's
 * repository is bound to. Pin labels take no part in matching; they are
 * passed through to the runner's label set.
 */
export function routeJob(job: RoutableJob, pools: readonly RoutablePool[]): RouteDecision {
  const required = requiredLabels(job.labels);
  const project = pools[0]?.project;
  if (pools.length === 0) {
    return dropped(`repository "${job.repoFullName}" is bound to a project with no pools`);
  }
  const enabled = pools.filter((pool) => pool.isEnabled);
  if (enabled.length === 0) {
    return dropped(`all ${pools.length} pool(s) of project "${project}" are disabled`);
  }
  if (required.length === 0) {
    return dropped(
      `the job's runs-on has no labels to match (a pin label does not count); ` +
        `add the pool's labels to runs-on (project "${project}")`,
    );
  }

  const candidates = enabled
    .map((pool) => ({ pool, labels: labelsOf(pool, job.repoFullName) }))
    .filter(({ labels }) => required.every((label) => labels.includes(label)))
    .sort((a, b) => comparePools(a.pool, b.pool));

  if (candidates.length === 0) {
    return dropped(unmatchedReason(required, enabled, job));
  }

  const named = candidates.find(({ pool }) => required.includes(sanitizeLabel(pool.name)));
  const fallback = candidates.find(({ pool }) => pool.isDefault) ?? candidates[0];
  const chosen = named ?? fallback;

  const pin = pinOf(job.labels);
  if (pin === undefined) return { kind: "routed", pool: chosen.pool, labels: chosen.labels };
  return {
    kind: "routed",
    pool: chosen.pool,
    labels: [...chosen.labels, `${PIN_LABEL_PREFIX}${pin}`],
    pin,
  };
}

/** The job's sanitised labels, pins removed, duplicates removed; "" stays so it never matches. */
function requiredLabels(raw: readonly string[]): string[] {
  const labels = raw.filter((label) => !isPinLabel(label)).map(sanitizeLabel);
  return [...new Set(labels)];
}

function labelsOf(pool: RoutablePool, repoFullName: string): string[] {
  return poolLabelSet({
    project: pool.project,
    pool: pool.name,
    repoFullName,
    extraLabels: pool.extraLabels,
  });
}

function unmatchedReason(
  required: readonly string[],
  enabled: readonly RoutablePool[],
  job: RoutableJob,
): string {
  const project = enabled[0].project;
  const offered = new Set(enabled.flatMap((pool) => labelsOf(pool, job.repoFullName)));
  const missing = required.filter((label) => !offered.has(label));
  // A label that sanitises to "" can never match; name it as the workflow spelled it.
  const show = (label: string) =>
    label === ""
      ? job.labels.filter((raw) => sanitizeLabel(raw) === "").map((raw) => JSON.stringify(raw))
        .join(", ")
      : label;
  if (missing.length > 0) {
    return `no enabled pool of project "${project}" has labels [${missing.map(show).join(", ")}]`;
  }
  return `no single enabled pool of project "${project}" has all of labels ` +
    `[${required.map(show).join(", ")}]`;
}

function dropped(reason: string): RouteDecision {
  return { kind: "dropped", reason };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
