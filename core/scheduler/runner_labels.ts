/**
 * What a job's runner is called and the labels it registers with: the name
 * leads a runner's webhooks back to its launch, the labels let GitHub give
 * it exactly the job it was launched for.
 */
import { PIN_LABEL_PREFIX, pinOf, poolLabelSet } from "../../shared/labels.ts";
import type { JobRow, PoolRow } from "../db/store.ts";

/** Runner names encode the job and attempt, so a runner's webhooks lead back to its launch. */
export function runnerNameOf(jobId: string, attempt: number): string {
  return `gantry-${jobId}-${attempt}`;
}

/**
 * The labels the runner registers with: `self-hosted`, the job's `runs-on`
 * labels exactly as written, the pool's label set, and the job's pin if any;
 * a label already there in another case is not repeated. GitHub gives a job
 * only to a runner whose labels contain every `runs-on` label, compared
 * case-insensitively and otherwise exactly, so routing's sanitised spelling
 * (`MyApp` → `my-app`) alone would strand the job.
 */
export function runnerLabelsOf(project: string, pool: PoolRow, job: JobRow): string[] {
  const poolLabels = poolLabelSet({
    project,
    pool: pool.name,
    repoFullName: job.repoFullName,
    extraLabels: pool.extraLabels,
  });
  const pin = pinOf(job.labels);
  const labels: string[] = [];
  const seen = new Set<string>();
  for (
    const label of [
      "self-hosted",
      ...job.labels,
      ...poolLabels,
      ...(pin ? [`${PIN_LABEL_PREFIX}${pin}`] : []),
    ]
  ) {
    const key = label.toLowerCase();
    if (label.trim() === "" || seen.has(key)) continue;
    seen.add(key);
    labels.push(label);
  }
  return labels;
}
