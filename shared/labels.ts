/**
 * Runner labels: how a job's `runs-on` list and a pool's runner are made to
 * meet. GitHub compares labels case-insensitively, so every label Gantry
 * emits or compares goes through {@link sanitizeLabel} first, on the edge and
 * on the core alike.
 *
 * @module
 */

/** Prefix of the label that pins a job to one runner: `gantry-run=<id>`. */
export const PIN_LABEL_PREFIX = "gantry-run=";

const PIN_LABEL = /^gantry-run=([A-Za-z0-9_-]{1,64})$/i;

/**
 * Maps a name to GitHub's runner-label character class `[a-z0-9._-]`.
 *
 * A camel-case boundary becomes a hyphen, so "MyApp" and "my-app" give the
 * same label; "MYAPP" gives "myapp". Any run of other characters becomes one
 * "-", and leading or trailing "-" and "." are trimmed. The result may be
 * empty; callers that need a label reject that.
 */
export function sanitizeLabel(raw: string): string {
  return raw
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

/** Whether `raw` is a pin label `gantry-run=<id>` (prefix case-insensitive). */
export function isPinLabel(raw: string): boolean {
  return PIN_LABEL.test(raw);
}

/** The runner id of the first pin label in `labels`, if any. */
export function pinOf(labels: readonly string[]): string | undefined {
  for (const label of labels) {
    const match = PIN_LABEL.exec(label);
    if (match) return match[1];
  }
  return undefined;
}

/** What a pool's runner label set is built from. */
export interface PoolLabelInput {
  /** Project name. */
  project: string;
  /** Pool name. */
  pool: string;
  /** Repository as `owner/repo`. */
  repoFullName: string;
  /** Operator-chosen labels added after the standard ones. */
  extraLabels?: readonly string[];
}

/**
 * The labels a runner of this pool registers with, for one repository:
 * `["self-hosted", project, pool, "<owner>-<repo>", ...extra]`, each
 * sanitised, empty ones dropped, duplicates removed with first order kept.
 */
export function poolLabelSet(input: PoolLabelInput): string[] {
  const raw = [
    "self-hosted",
    input.project,
    input.pool,
    input.repoFullName,
    ...(input.extraLabels ?? []),
  ];
  const labels: string[] = [];
  for (const label of raw.map(sanitizeLabel)) {
    if (label !== "" && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

/**
 * The workflow line an operator pastes to target a label set, e.g.
 * `runs-on: [self-hosted, my-app, large, octocat-hello-world]`.
 */
export function runsOnLine(labels: readonly string[]): string {
  return `runs-on: [${labels.join(", ")}]`;
}
