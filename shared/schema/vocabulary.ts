/**
 * Terms more than one boundary speaks, each defined once: the YAML config,
 * the console API, the backup and the webhook all import them from here.
 *
 * @module
 */

import { z } from "zod";
import { sanitizeLabel } from "../labels.ts";
import { operatorTagProblems } from "../tags.ts";

/** A project or pool name, or an extra label: it becomes a runner label, so it must survive sanitizeLabel. */
export const LabelName = z.string().trim().min(1, "required").max(64).refine(
  // An empty name already fails min(1); one issue per problem.
  (name) => name === "" || sanitizeLabel(name) !== "",
  "must contain a letter or digit (it becomes a runner label)",
);

/** Operator tags: EC2's limits, and never the reserved `gantry:` or `aws:` prefixes. */
export const OperatorTags = z.record(z.string(), z.string()).superRefine((tags, ctx) => {
  for (const { key, message } of operatorTagProblems(tags)) {
    ctx.addIssue({ code: "custom", message, path: key === undefined ? [] : [key] });
  }
});

/**
 * A directory in the AMI, rendered into the bash boot script: absolute, and
 * only characters no shell treats specially, so the script's quoting is the
 * second line of defence, not the only one.
 */
export const RunnerPath = z.string().trim().max(1024, "at most 1,024 characters")
  .regex(
    /^(\/[A-Za-z0-9._+@-]+)+\/?$/,
    "expected an absolute directory such as /opt/actions-runner " +
      "(letters, digits and . _ + @ - only; no spaces or shell characters)",
  )
  .refine(
    (path) => !path.split("/").some((segment) => segment === "." || segment === ".."),
    "expected a path without . or .. segments",
  )
  .transform((path) => path.replace(/\/$/, ""));

/** EC2 allocation strategies a pool may ask for; the first is the default. */
export const ALLOCATION_STRATEGIES = [
  "price-capacity-optimized",
  "lowest-price",
  "prioritized",
] as const;
/** An allocation strategy. */
export type AllocationStrategy = (typeof ALLOCATION_STRATEGIES)[number];

/** How a pool launches: one CreateFleet call (types × subnets) or RunInstances per subnet. */
export const SPAWN_METHODS = ["fleet", "run_instances"] as const;
/** A spawn method. */
export type SpawnMethod = (typeof SPAWN_METHODS)[number];

/** The `workflow_job` actions Gantry handles, in a job's order. */
export const WorkflowJobAction = z.enum(["queued", "waiting", "in_progress", "completed"]);
/** A `workflow_job` action. */
export type WorkflowJobAction = z.infer<typeof WorkflowJobAction>;
